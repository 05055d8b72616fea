import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open as openFile, rm, rmdir } from 'node:fs/promises';
import { AppError } from '../errors/app-error.js';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import { exportLinkKey, signExportLink } from './export-links.js';

/** Where export files go: a local folder (default) or an S3-compatible bucket (multipart upload). */
export interface ExportStorage {
  kind: 'local' | 's3';
  upload(key: string, body: Readable, contentType: string): Promise<void>;
  /** A GET URL valid EXPORT_URL_TTL_SECONDS that needs no other credential: S3's presigned URL, or the API's signed link (export-links.ts). */
  signedUrl(key: string): Promise<string>;
  open(key: string): Readable;
  /** Deletes the files (one missing already counts as deleted). */
  remove(keys: string[]): Promise<void>;
}

/**
 * The AWS SDK, loaded on first use: it adds ~28 MiB to a process's RSS, and with the
 * default local folder no process ever needs it.
 */
async function loadS3(config: Config) {
  const [{ GetObjectCommand, S3Client }, { Upload }, { getSignedUrl }] = await Promise.all([
    import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage'), import('@aws-sdk/s3-request-presigner'),
  ]);
  const client = new S3Client({
    region: config.S3_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE,
    ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } } : {}),
  });
  return { client, GetObjectCommand, Upload, getSignedUrl };
}

/** encryptionKey: what local links are signed with (a key derived from it). */
export function exportStorage(config: Config, encryptionKey: Buffer): ExportStorage {
  if (config.EXPORT_S3_BUCKET) {
    let s3: ReturnType<typeof loadS3> | undefined;
    const sdk = () => (s3 ??= loadS3(config));
    const Bucket = config.EXPORT_S3_BUCKET;
    return {
      kind: 's3',
      async upload(Key, Body, ContentType) {
        const { client, Upload } = await sdk();
        await new Upload({ client, params: { Bucket, Key, Body, ContentType }, queueSize: 2, partSize: 8 * 1024 * 1024 }).done();
      },
      async signedUrl(Key) {
        const { client, GetObjectCommand, getSignedUrl } = await sdk();
        return getSignedUrl(client, new GetObjectCommand({ Bucket, Key }), { expiresIn: config.EXPORT_URL_TTL_SECONDS });
      },
      open() { throw new Error('S3 exports are downloaded from their presigned URL'); },
      async remove(keys) {
        const { client } = await sdk();
        const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
        // One DeleteObject a file (an export has two). DeleteObjects, used until 2026-12-06, needs a
        // Content-MD5 on MinIO and other S3-compatible stores, which this SDK sends no more (it sends
        // a CRC32): they answered 400 and retention never deleted there (QA). A missing key is a 204.
        const refused: string[] = [];
        for (const Key of keys) {
          try {
            await client.send(new DeleteObjectCommand({ Bucket, Key }));
          } catch (err) {
            refused.push(`${Key} (${(err as Error).name || 'error'})`);
          }
        }
        if (refused.length > 0) throw new Error(`S3 refused to delete ${refused.join(', ')}`);
      },
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
    signedUrl: async (key) => `${config.publicBaseUrl}${signExportLink(exportLinkKey(encryptionKey), key, config.EXPORT_URL_TTL_SECONDS)}`,
    open: (key) => createReadStream(join(root, key)),
    async remove(keys) {
      for (const key of keys) await rm(join(root, key), { force: true });
      // The export's folder ({storeId}/{exportId}), once empty.
      for (const dir of new Set(keys.map((k) => dirname(join(root, k))))) await rmdir(dir).catch(() => {});
    },
  };
}

/**
 * A file of the local export folder, opened before anything is answered (whatever storage is
 * configured now: a local export's files stay there): PIM_010 when it is not there (removed, the
 * folder moved), rather than a stream that fails after the headers, or a 500.
 */
export async function openLocalExportFile(config: Config, key: string): Promise<Readable> {
  try {
    return (await openFile(join(config.dataDir, 'exports', key))).createReadStream();
  } catch (err: any) {
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(err?.code)) throw new AppError('PIM_010', { reason: err.code });
    throw err;
  }
}
