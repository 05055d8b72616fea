import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest, type PimActor } from '../helpers/pim.js';
import { runExport } from '../../src/pim/catalog-export.js';
import { connect } from '../../src/db/database.js';
import { exportLinkKey, signExportLink } from '../../src/pim/export-links.js';

// An export whose files cannot be written, and downloads of exports that cannot be served. No
// worker: the export's job is run here (runExport, as the pim.export task runs it).
let ctx: TestContext;
let actor: PimActor;
beforeAll(async () => {
  ctx = await createTestApp();
  actor = await createPimActor(ctx);
  // Enough products that the files' writer waits for their readers (a stream's buffer is 16 KB).
  await ctx.sql`insert into products (store_id, external_id, sku, name, price)
    select ${actor.storeId}, 'xf-' || g, 'XF-' || g, 'Export failure ' || g, g from generate_series(1, 2000) g`;
});
afterAll(() => ctx.close());

const exportsDir = () => join(ctx.deps.config.dataDir, 'exports');
async function requested() {
  const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/exports');
  expect(res.statusCode).toBe(202);
  return res.json().data.id as string;
}
const download = (id: string, query = '') => pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${id}/download${query}`);

describe('an export whose files cannot be written', () => {
  it('fails its attempt with the upload\'s error, leaving no rejection unhandled (it ended the whole process) and no writer waiting', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => { unhandled.push(reason); };
    process.on('unhandledRejection', record);
    await rm(exportsDir(), { recursive: true, force: true });
    await writeFile(exportsDir(), 'not a folder');
    try {
      const id = await requested();
      const attempt = runExport(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, actor.storeId, id);
      const outcome = await Promise.race([attempt.then(() => 'written', (err) => err.code), new Promise((r) => setTimeout(() => r('still waiting'), 15000))]);
      await new Promise((r) => setTimeout(r, 100));
      expect(outcome).toBe('ENOTDIR');
      expect(unhandled).toEqual([]);
      const [row] = await ctx.sql`select status from catalog_exports where id = ${id}`;
      expect(row.status).toBe('PROCESSING');
    } finally {
      process.off('unhandledRejection', record);
      await rm(exportsDir(), { force: true });
      await mkdir(exportsDir(), { recursive: true });
    }
  });
});

describe('an export under a DBA\'s statement_timeout', () => {
  it('reads the whole catalog whatever the timeout of the database\'s other statements (every attempt failed "Premature close": QA)', async () => {
    const large = await createPimActor(ctx);
    await ctx.sql`insert into products (store_id, external_id, sku, name, price)
      select ${large.storeId}, 'st-' || g, 'ST-' || g, 'Statement timeout ' || g, g from generate_series(1, 30000) g`;
    const id = (await pimRequest(ctx, large, 'POST', '/api/v1/pim/exports')).json().data.id as string;
    // As a role or database set so starts its sessions; the catalog's read takes longer than it.
    const limited = connect(process.env.OMNI_TEST_DATABASE_URL!, 2, { statement_timeout: '250' });
    try {
      const started = performance.now();
      await runExport(limited, ctx.deps.config, ctx.deps.encryptionKey, large.storeId, id);
      const [row] = await ctx.sql`select status, products from catalog_exports where id = ${id}`;
      expect(row).toEqual({ status: 'COMPLETED', products: 30000 });
      expect(performance.now() - started).toBeGreaterThan(250);
    } finally {
      await limited.end();
    }
  });
});

describe('GET /api/v1/pim/exports/{id}/download', () => {
  it('a FAILED export is PIM_009 (it will never be ready), a running one PIM_007', async () => {
    const id = await requested();
    const running = await download(id);
    expect([running.statusCode, running.json().error?.code]).toEqual([409, 'PIM_007']);
    await ctx.sql`update catalog_exports set status = 'FAILED', error = 'disk full' where id = ${id}`;
    const failed = await download(id);
    expect([failed.statusCode, failed.json().error?.code, failed.json().error?.message, failed.json().error?.details?.context])
      .toEqual([409, 'PIM_009', 'Export failed', { status: 'FAILED', error: 'disk full' }]);
  });

  it("a file no longer there is PIM_010 (410), by the Bearer download and by the signed link; an unknown query parameter VAL_001", async () => {
    const id = await requested();
    await runExport(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, actor.storeId, id);
    expect((await download(id, '?format=csv')).statusCode).toBe(200);
    const typo = await download(id, '?formt=csv');
    expect([typo.statusCode, typo.json().error?.code]).toEqual([400, 'VAL_001']);
    await rm(join(exportsDir(), actor.storeId, id), { recursive: true });
    const gone = await download(id, '?format=csv');
    expect([gone.statusCode, gone.headers['content-type'], gone.json().error?.code]).toEqual([410, 'application/json; charset=utf-8', 'PIM_010']);
    const link = signExportLink(exportLinkKey(ctx.deps.encryptionKey), `${actor.storeId}/${id}/products.ndjson`, 60);
    const viaLink = await ctx.app.inject({ method: 'GET', url: link });
    expect([viaLink.statusCode, viaLink.json().error?.code]).toEqual([410, 'PIM_010']);
  });
});
