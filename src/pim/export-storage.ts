import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config.js';

/** Where export files go: a local folder (default) or an S3-compatible bucket (multipart upload). */
export interface ExportStorage {
  kind: 'local' | 's3';
  upload(key: string, body: Readable, contentType: string): Promise<void>;
  /** S3: a presigned GET URL valid EXPORT_URL_TTL_SECONDS; local: null (served by the API). */
  signedUrl(key: string): Promise<string | null>;
  open(key: string): Readable;
}

export function exportStorage(config: Config): ExportStorage {
  if (config.EXPORT_S3_BUCKET) {
    const client = new S3Client({
      region: config.S3_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE,
      ...(config.S3_ACCESS_KEY_ID ? { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY ?? '' } } : {}),
    });
    const Bucket = config.EXPORT_S3_BUCKET;
    return {
      kind: 's3',
      async upload(Key, Body, ContentType) { await new Upload({ client, params: { Bucket, Key, Body, ContentType }, queueSize: 2, partSize: 8 * 1024 * 1024 }).done(); },
      signedUrl: (Key) => getSignedUrl(client, new GetObjectCommand({ Bucket, Key }), { expiresIn: config.EXPORT_URL_TTL_SECONDS }),
      open() { throw new Error('S3 exports are downloaded from their presigned URL'); },
    };
  }
  const root = join(config.dataDir, 'exports');
  return {
    kind: 'local',
    async upload(key, body) {
      const path = join(root, key);
      await mkdir(dirname(path), { recursive: true });
      await pipeline(body, createWriteStream(path));
    },
    signedUrl: async () => null,
    open: (key) => createReadStream(join(root, key)),
  };
}
