import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, exportNow, pimRequest, type PimActor } from '../helpers/pim.js';
import { purgeExpiredExports } from '../../src/pim/export-retention.js';

// No worker: the export's job and the retention run here, as their tasks run them.
let ctx: TestContext;
let actor: PimActor;
beforeAll(async () => {
  ctx = await createTestApp();
  actor = await createPimActor(ctx);
});
afterAll(() => ctx.close());

const exported = () => exportNow(ctx, actor);
const folderOf = (id: string) => join(ctx.deps.config.dataDir, 'exports', actor.storeId, id);
const exists = (path: string) => stat(path).then(() => true, () => false);

describe('export files past EXPORT_RETENTION_DAYS', () => {
  it('are deleted with their folder, the export kept: its links null, its download and old links PIM_010 (they were kept for ever)', async () => {
    const [old, recent] = [await exported(), await exported()];
    const link = (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${old}`)).json().data.download.csv as string;
    await ctx.sql`update catalog_exports set completed_at = now() - make_interval(days => ${ctx.deps.config.EXPORT_RETENTION_DAYS + 1}) where id = ${old}`;
    const warnings: string[] = [];
    expect(await purgeExpiredExports(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, (m) => warnings.push(m))).toBe(1);
    expect(warnings).toEqual([]);
    expect([await exists(folderOf(old)), await exists(join(folderOf(recent), 'products.csv'))]).toEqual([false, true]);

    const view = (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${old}`)).json().data;
    expect(view).toMatchObject({ status: 'COMPLETED', download: null, files_deleted_at: expect.any(String) });
    const download = await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${old}/download`);
    expect([download.statusCode, download.json().error.code]).toEqual([410, 'PIM_010']);
    const viaLink = await ctx.app.inject({ method: 'GET', url: link.slice(ctx.deps.config.publicBaseUrl.length) });
    expect([viaLink.statusCode, viaLink.json().error.code]).toEqual([410, 'PIM_010']);
    // The recent one is untouched; a second run finds nothing more.
    expect((await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${recent}`)).json().data.files_deleted_at).toBeNull();
    expect(await purgeExpiredExports(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, () => {})).toBe(0);
  });

  it('deletes a failed export\'s files too, and counts a file already gone as deleted', async () => {
    const id = await exported();
    await ctx.sql`update catalog_exports set status = 'FAILED', error = 'x', completed_at = now() - interval '400 days' where id = ${id}`;
    const { rm } = await import('node:fs/promises');
    await rm(join(folderOf(id), 'products.ndjson'));
    expect(await purgeExpiredExports(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, () => {})).toBe(1);
    expect(await exists(folderOf(id))).toBe(false);
  });

  // An S3-compatible store as MinIO answers: a multi-object delete (POST ?delete) without a
  // Content-MD5 is a 400, which this SDK version's DeleteObjects sends no more (QA); `deny` refuses
  // every delete, as a bucket policy without delete rights does.
  const s3Like = async (deny: boolean) => {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        const error = (status: number, code: string) => {
          res.writeHead(status, { 'content-type': 'application/xml' });
          res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
        };
        if (req.method === 'POST' && !req.headers['content-md5']) error(400, 'MissingContentMD5');
        else if (deny) error(403, 'AccessDenied');
        else { res.writeHead(204); res.end(); }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const config = { ...ctx.deps.config, EXPORT_S3_BUCKET: 'exports', S3_ENDPOINT: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' };
    return { seen, config, close: () => server.close() };
  };
  const expiredS3Export = async () => {
    const id = await exported();
    await ctx.sql`update catalog_exports set storage = 's3', storage_bucket = 'exports', completed_at = now() - interval '400 days' where id = ${id}`;
    return id;
  };
  const deletedAt = async (id: string) => (await ctx.sql`select files_deleted_at from catalog_exports where id = ${id}`)[0].files_deleted_at;

  it('deletes an S3 export\'s files one request each, which a store that wants a Content-MD5 on a multi-object delete takes', async () => {
    const store = await s3Like(false);
    try {
      const id = await expiredS3Export();
      const warnings: string[] = [];
      expect(await purgeExpiredExports(ctx.sql, store.config, ctx.deps.encryptionKey, (m) => warnings.push(m))).toBe(1);
      expect(warnings).toEqual([]);
      expect(store.seen.map((r) => r.replace(/\?.*$/, '')).sort())
        .toEqual([`DELETE /exports/${actor.storeId}/${id}/products.csv`, `DELETE /exports/${actor.storeId}/${id}/products.ndjson`]);
      expect(await deletedAt(id)).not.toBeNull();
    } finally {
      store.close();
    }
  });

  it('leaves an S3 export whose objects S3 refused to delete for the next run, naming them', async () => {
    const store = await s3Like(true);
    try {
      const id = await expiredS3Export();
      const warnings: string[] = [];
      expect(await purgeExpiredExports(ctx.sql, store.config, ctx.deps.encryptionKey, (m) => warnings.push(m))).toBe(0);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`S3 refused to delete ${actor.storeId}/${id}/products\\.\\w+ \\(AccessDenied\\), .*\\(AccessDenied\\)`))]);
      expect(await deletedAt(id)).toBeNull();
    } finally {
      store.close();
    }
  });
});
