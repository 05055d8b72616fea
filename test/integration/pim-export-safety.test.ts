import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, exportNow, pimRequest, type PimActor } from '../helpers/pim.js';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { exportFileKey, failExport, getExport, runExport } from '../../src/pim/catalog-export.js';
import { sendExportEmail } from '../../src/pim/export-email.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';

// QA's export findings. No worker: the export's job is run here (runExport, as the pim.export task runs it).
let ctx: TestContext;
let actor: PimActor;
beforeAll(async () => {
  ctx = await createTestApp();
  actor = await createPimActor(ctx);
});
afterAll(() => ctx.close());

const exported = () => exportNow(ctx, actor);

describe('PIM export', () => {
  it('writes text a spreadsheet would run as a formula after an apostrophe, and says the CSV is UTF-8', async () => {
    const names = ['=HYPERLINK("http://evil.example","x")', '+1+2', '-20% sale', '@SUM(A1)', '\tTabbed', 'Plain = fine'];
    await ctx.sql`insert into products ${ctx.sql(names.map((name, n) => ({ store_id: actor.storeId, external_id: `f-${n}`, sku: n === 0 ? '=SKU()' : `F-${n}`, name, price: n + 1 })))}`;
    const id = await exported();
    const csv = await readFile(join(ctx.deps.config.dataDir, 'exports', actor.storeId, id, 'products.csv'), 'utf8');
    const row = (externalId: string) => csv.split('\n').find((l) => l.includes(`,${externalId},`))!;
    expect(row('f-0')).toContain(`,'=SKU(),"'=HYPERLINK(""http://evil.example"",""x"")",1,`);
    expect([row('f-1'), row('f-2'), row('f-3'), row('f-4'), row('f-5')].map((l) => l.split(',')[3]))
      .toEqual(["'+1+2", "'-20% sale", "'@SUM(A1)", "\"'\tTabbed\"", 'Plain = fine']);
    const download = await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${id}/download?format=csv`);
    expect([download.statusCode, download.headers['content-type'], download.body]).toEqual([200, 'text/csv; charset=utf-8', csv]);
  });

  it('quotes a cell holding a ; or a tab, where a spreadsheet whose list separator is ; would split it and run the rest', async () => {
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price)
      values (${actor.storeId}, 'ext;=1+1', 'SEMI-1', ${"Evil;=cmd|' /C calc'!A0"}, 1) returning id`;
    const id = await exported();
    const csv = await readFile(join(ctx.deps.config.dataDir, 'exports', actor.storeId, id, 'products.csv'), 'utf8');
    expect(csv.split('\n').find((l) => l.startsWith(p.id))).toMatch(new RegExp(`^${p.id},"ext;=1\\+1",SEMI-1,"Evil;=cmd\\|' /C calc'!A0",1,`));
  });

  it('counts the variants on sale in variantCount, as stock sums them, not a deactivated one', async () => {
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${actor.storeId}, 'vc-1', 'VC-1', 'Sized', 1) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, price, is_active)
      values (${actor.storeId}, ${p.id}, 'VC-1-S', 1, true), (${actor.storeId}, ${p.id}, 'VC-1-M', 1, false)`;
    const id = await exported();
    const csv = await readFile(join(ctx.deps.config.dataDir, 'exports', actor.storeId, id, 'products.csv'), 'utf8');
    const header = csv.split('\n')[0].split(',');
    const cells = csv.split('\n').find((l) => l.startsWith(p.id))!.split(',');
    expect(cells[header.indexOf('variantCount')]).toBe('1');
  });

  it("signs a finished export's links for its own storage, not the one configured since", async () => {
    const id = await exported();
    // A bucket configured since: the local export's links stay the API's, and they still open its files.
    const withBucket = { ...ctx.deps.config, EXPORT_S3_BUCKET: 'catalog-exports', S3_ENDPOINT: 'http://127.0.0.1:9', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' };
    const { view } = await getExport(ctx.sql, withBucket, ctx.deps.encryptionKey, actor.storeId, id);
    expect(view.download?.csv).toMatch(new RegExp(`^${ctx.deps.config.publicBaseUrl}/exports/${actor.storeId}/${id}/products\\.csv\\?expires=`));
    expect(await exportFileKey(ctx.sql, withBucket, actor.storeId, id, 'csv')).toBe(`${actor.storeId}/${id}/products.csv`);
    // An S3 export written to a bucket other than the one configured since: its links are that bucket's (0135; they named the new one).
    await ctx.sql`update catalog_exports set storage = 's3', storage_bucket = 'exports-2025' where id = ${id}`;
    const moved = (await getExport(ctx.sql, withBucket, ctx.deps.encryptionKey, actor.storeId, id)).view.download;
    expect(moved?.csv).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:9/exports-2025/${actor.storeId}/${id}/products\\.csv\\?`));
    // An S3 export with no bucket configured now: no links (they were the API's, PIM_006), and its download is PIM_010.
    expect((await getExport(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, actor.storeId, id)).view.download).toBeNull();
    const gone = await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${id}/download`);
    expect([gone.statusCode, gone.json().error.code]).toEqual([410, 'PIM_010']);
  });

  it("mails links for the export's own storage, whatever this worker is configured with", async () => {
    const mails: string[] = [];
    const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], onData(stream, _s, done) {
      let m = '';
      stream.on('data', (c) => { m += c; });
      stream.on('end', () => { mails.push(m); done(); });
    } });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    try {
      const mailed = await createPimActor(ctx, { notifyEmail: 'team@shop.example' });
      const res = await pimRequest(ctx, mailed, 'POST', '/api/v1/pim/exports');
      const id = res.json().data.id as string;
      await runExport(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, mailed.storeId, id);
      // A worker given a bucket since: the local export's email still carries the API's links (they were S3's: 404).
      const smtpUrl = `smtp://127.0.0.1:${((smtp as any).server.address() as AddressInfo).port}`;
      const withBucket = { ...ctx.deps.config, SMTP_URL: smtpUrl, EXPORT_S3_BUCKET: 'catalog-exports', S3_ENDPOINT: 'http://127.0.0.1:9' };
      await sendExportEmail(ctx.sql, withBucket, ctx.deps.encryptionKey, mailed.storeId, id);
      expect(mails).toHaveLength(1);
      expect(mails[0].replace(/=\r?\n/g, '')).toContain(`${ctx.deps.config.publicBaseUrl}/exports/${mailed.storeId}/${id}/products.csv?expires=`);
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });

  it('tells a failure for good by an export.failed event, naming what failed and no server path', async () => {
    const [{ partner_id: partnerId }] = await ctx.sql`select partner_id from stores where id = ${actor.storeId}`;
    await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, partnerId, { url: 'http://127.0.0.1:9/hooks', eventTypes: ['export.failed'] });
    const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/exports');
    const id = res.json().data.id as string;
    const err = Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${ctx.deps.config.dataDir}/exports/${actor.storeId}/${id}'`), { code: 'ENOTDIR' });
    await failExport(ctx.sql, actor.storeId, id, err);
    const view = (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${id}`)).json().data;
    expect(view).toMatchObject({ status: 'FAILED', error: expect.stringContaining('(ENOTDIR)') });
    expect(view.error).not.toContain(ctx.deps.config.dataDir);
    const events = await ctx.sql`select type, payload from outbox_events where store_id = ${actor.storeId} and type = 'export.failed'`;
    expect(events).toEqual([{ type: 'export.failed', payload: { exportId: id, error: view.error } }]);
    expect(await ctx.sql`select 1 from webhook_deliveries d join outbox_events e on e.id = d.event_id where e.type = 'export.failed'`).toHaveLength(1);
  });
});
