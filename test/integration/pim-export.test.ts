import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { purgeExpiredExports } from '../../src/pim/export-retention.js';
import { SMTPServer } from 'smtp-server';
import type { Runner } from 'graphile-worker';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { createPimActor, pimRequest, runJob, type PimActor } from '../helpers/pim.js';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { setStoreStatus } from '../../src/stores/stores.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { exportLinkKey, signExportLink } from '../../src/pim/export-links.js';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';

const mails: string[] = [];
/** How many of the next messages the SMTP receiver refuses (451, "try again later"). */
let refuseNext = 0;
const after: (() => Promise<void>)[] = [];
let smtp: SMTPServer;
let smtpPort: number;
let s3: S3rver;
let s3Dir: string;
let s3Port: number;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let m = '';
      stream.on('data', (c) => { m += c; });
      stream.on('end', () => {
        if (refuseNext > 0) { refuseNext--; return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 })); }
        mails.push(m);
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = ((smtp as any).server.address() as AddressInfo).port;
  s3Dir = await mkdtemp(join(tmpdir(), 'omni-s3-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir, configureBuckets: [{ name: 'exports', configs: [] }] });
  const address = await s3.run();
  s3Port = (address as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await s3.close();
  await rm(s3Dir, { recursive: true, force: true });
});

async function seedCatalog(ctx: TestContext, actor: PimActor, n: number) {
  await ctx.sql`insert into products (store_id, external_id, sku, name, price, description)
    select ${actor.storeId}, 'e-' || g, 'S-' || g, 'Product, "quoted" ' || g, g * 10, 'line one' || chr(10) || 'line two'
    from generate_series(1, ${n}) g`;
}

/** Subscribes the store's partner to export.completed, so that the event is written to the outbox (port 9 refuses its deliveries at once). */
async function subscribeToExports(ctx: TestContext, actor: PimActor) {
  const [{ partner_id: partnerId }] = await ctx.sql`select partner_id from stores where id = ${actor.storeId}`;
  await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, partnerId, { url: 'http://127.0.0.1:9/hooks', eventTypes: ['export.completed'] });
}

async function runExport(ctx: TestContext, actor: PimActor) {
  const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/exports');
  expect(res.statusCode).toBe(202);
  expect(res.json().data).toMatchObject({ status: 'PENDING', products: null, blocked_products: null });
  for (let i = 0; i < 300; i++) {
    const view = (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${res.json().data.id}`)).json().data;
    if (view.status === 'COMPLETED' || view.status === 'FAILED') return view;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('export not done');
}

async function expectSameAsDatabase(ctx: TestContext, actor: PimActor, ndjson: string, csv: string) {
  const lines = ndjson.trim().split('\n').map((l) => JSON.parse(l));
  const rows = await ctx.sql`select id, sku, name, price::float8 as price, description from products where store_id = ${actor.storeId} order by id`;
  expect(lines.map((l) => [l.id, l.sku, l.name, l.price, l.description])).toEqual(rows.map((r) => [r.id, r.sku, r.name, r.price, r.description]));
  // After the byte order mark Excel needs to read UTF-8 (Unicode QA).
  expect(csv.split('\n')[0]).toBe('\uFEFFid,externalId,sku,name,price,specialPrice,stock,categoryId,brandId,barcode,isArchived,hasVariants,variantCount,updatedAt');
  expect(csv).toContain(`${rows[0].id},e-`);
  expect(csv).toContain('"Product, ""quoted"" ');
}

describe('PIM catalog export', () => {
  it('writes NDJSON and CSV to the local folder, served by the API, and announces it by webhook event', async () => {
    const ctx = await createTestApp();
    const worker = await startTestWorker(ctx);
    try {
      const actor = await createPimActor(ctx);
      const hooks: any[] = [];
      const receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => { hooks.push(new Webhook(secret).verify(body, req.headers as Record<string, string>)); res.end(); });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const [{ partner_id: partnerId }] = await ctx.sql`select partner_id from stores where id = ${actor.storeId}`;
      const { secret } = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, partnerId,
        { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, eventTypes: ['export.completed'] });
      after.push(() => new Promise<void>((r) => receiver.close(() => r())));
      await seedCatalog(ctx, actor, 1200);
      const view = await runExport(ctx, actor);
      expect(view).toMatchObject({ status: 'COMPLETED', storage: 'local', products: 1200 });
      // Links that work as S3's presigned ones: no token, no PIM headers.
      const key = (format: string) => `${actor.storeId}/${view.id}/products.${format}`;
      expect(view.download.ndjson).toMatch(new RegExp(`/exports/${key('ndjson')}\\?expires=\\d+&signature=[\\w-]{43}$`));
      const link = (url: string) => { const u = new URL(url); return `${u.pathname}${u.search}`; };
      const ndjson = await ctx.app.inject({ method: 'GET', url: link(view.download.ndjson) });
      const csv = await ctx.app.inject({ method: 'GET', url: link(view.download.csv) });
      expect([ndjson.statusCode, ndjson.headers['content-type'], csv.headers['content-disposition']])
        .toEqual([200, 'application/x-ndjson', 'attachment; filename="products.csv"']);
    expect([ndjson.headers['cache-control'], csv.headers['cache-control']]).toEqual(['private, no-store', 'private, no-store']);
      await expectSameAsDatabase(ctx, actor, ndjson.body, csv.body);
      // The Bearer download answers the same files.
      const path = `/api/v1/pim/exports/${view.id}/download`;
      expect((await pimRequest(ctx, actor, 'GET', `${path}?format=csv`)).body).toBe(csv.body);
      const refusal = async (url: string) => {
        const res = await ctx.app.inject({ method: 'GET', url });
        expect([res.statusCode, res.json().error.code], url).toEqual([403, 'PIM_008']);
        return res.json().error.details.context.reason;
      };
      const { search } = new URL(view.download.ndjson);
      const signature = new URL(view.download.ndjson).searchParams.get('signature')!;
      const expires = Number(new URL(view.download.ndjson).searchParams.get('expires'));
      const mismatch = 'the signature does not match this file and expiry';
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
      expect(await refusal(`/exports/${key('ndjson')}?expires=${expires}&signature=${flipped}`)).toBe(mismatch);
      expect(await refusal(`/exports/${key('ndjson')}?expires=${expires + 3600}&signature=${signature}`)).toBe(mismatch);
      expect(await refusal(`/exports/${key('csv')}${search}`)).toBe(mismatch);
      expect(await refusal(`/exports/${actor.storeId}/${randomUUID()}/products.ndjson${search}`)).toBe(mismatch);
      // Cut short (a link copied in part) or changed in its expiry: PIM_008, whose hint mends it, not VAL_001.
      expect(await refusal(`/exports/${key('ndjson')}`)).toBe('the link is incomplete: it has no expires (copy the whole link)');
      expect(await refusal(`/exports/${key('ndjson')}?expires=${expires}`)).toBe('the link is incomplete: it has no signature (copy the whole link)');
      expect(await refusal(`/exports/${key('ndjson')}?expires=${expires}x&signature=${signature}`)).toBe(mismatch);
      // Signed by the server's key, 901 s ago with a 900 s life: expired.
      const ttl = ctx.deps.config.EXPORT_URL_TTL_SECONDS;
      const old = signExportLink(exportLinkKey(ctx.deps.encryptionKey), key('ndjson'), ttl, Date.now() - (ttl + 1) * 1000);
      expect(await refusal(old)).toBe('expired');
      expect((await ctx.app.inject({ method: 'GET', url: signExportLink(exportLinkKey(ctx.deps.encryptionKey), key('ndjson'), ttl) })).statusCode).toBe(200);
      // A link handed out before the store was blocked no longer serves it (PIM_011, as its PIM requests).
      await setStoreStatus(ctx.sql, actor.store.storeClientId, 'BLOCKED');
      const blocked = await ctx.app.inject({ method: 'GET', url: link(view.download.ndjson) });
      expect([blocked.statusCode, blocked.json().error.code]).toEqual([403, 'PIM_011']);
      await setStoreStatus(ctx.sql, actor.store.storeClientId, 'ACTIVE');
      expect((await ctx.app.inject({ method: 'GET', url: link(view.download.ndjson) })).statusCode).toBe(200);
      // The store's partner hears of it through its webhook endpoint, signed.
      for (let i = 0; i < 100 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(hooks).toHaveLength(1);
      expect(hooks[0]).toMatchObject({ type: 'export.completed', data: { exportId: view.id, products: 1200, storage: 'local' } });
      const other = await createPimActor(ctx);
      expect((await pimRequest(ctx, other, 'GET', `${path}?format=csv`)).statusCode).toBe(404);
    } finally { await worker.stop(); await ctx.close(); for (const f of after.splice(0)) await f(); }
  });

  it('uploads to an S3-compatible store with presigned links and emails the tenant', async () => {
    const ctx = await createTestApp({ env: {
      EXPORT_S3_BUCKET: 'exports', S3_ENDPOINT: `http://127.0.0.1:${s3Port}`, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    } });
    const worker = await startTestWorker(ctx);
    try {
      const actor = await createPimActor(ctx, { notifyEmail: 'catalog-team@shop.example' });
      await seedCatalog(ctx, actor, 300);
      const view = await runExport(ctx, actor);
      expect(view).toMatchObject({ status: 'COMPLETED', storage: 's3', products: 300 });
      // The bucket it was written to, for its links after EXPORT_S3_BUCKET changes (0135).
      expect((await ctx.sql`select storage_bucket from catalog_exports where id = ${view.id}`)[0].storage_bucket).toBe('exports');
      // Its request is audited with the destination configured when it was asked.
      const [requested] = (await pimRequest(ctx, actor, 'GET', '/api/v1/audit')).json().data;
      expect(requested).toMatchObject({ action: 'catalog_export.requested', resource_id: view.id, details: { exportId: view.id, storage: 's3', formats: ['ndjson', 'csv'] } });
      expect(view.download.ndjson).toContain('X-Amz-Signature');
      // The Bearer download of an S3 export redirects to its presigned URL (it answered 500).
      const redirected = await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${view.id}/download?format=csv`);
      expect([redirected.statusCode, redirected.headers.location]).toEqual([302, expect.stringContaining('X-Amz-Signature')]);
      expect(redirected.headers.location).toContain(`${view.id}/products.csv`);
      const ndjson = await (await fetch(view.download.ndjson)).text();
      // As bytes: text() drops a byte order mark, as a UTF-8 decoder does.
      const csv = Buffer.from(await (await fetch(view.download.csv)).arrayBuffer()).toString('utf8');
      await expectSameAsDatabase(ctx, actor, ndjson, csv);
      for (let i = 0; i < 100 && mails.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(mails).toHaveLength(1);
      expect(mails[0]).toContain('To: catalog-team@shop.example');
      expect(mails[0]).toContain('Catalog export ready (300 products)');
      // Past EXPORT_RETENTION_DAYS its objects are deleted from the bucket (0139).
      await ctx.sql`update catalog_exports set completed_at = now() - interval '31 days' where id = ${view.id}`;
      expect(await purgeExpiredExports(ctx.sql, ctx.deps.config, ctx.deps.encryptionKey, () => {})).toBe(1);
      expect((await fetch(view.download.csv)).status).toBe(404);
    } finally { await worker.stop(); await ctx.close(); }
  });

  it('retries only the email when sending it fails: the files are written once and the event emitted once', async () => {
    const ctx = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } });
    const worker = await startTestWorker(ctx);
    try {
      const actor = await createPimActor(ctx, { notifyEmail: 'retry-team@shop.example' });
      await subscribeToExports(ctx, actor);
      await seedCatalog(ctx, actor, 3);
      refuseNext = 1;
      const view = await runExport(ctx, actor);
      expect(view).toMatchObject({ status: 'COMPLETED', storage: 'local', products: 3 });
      const file = join(ctx.deps.config.dataDir, 'exports', actor.storeId, view.id, 'products.ndjson');
      const written = (await stat(file)).mtimeMs;
      // The refused send: the job that sent it failed and waits for its retry.
      const waiting = ctx.sql`
        select id from graphile_worker._private_jobs
        where payload->>'exportId' = ${view.id} and last_error is not null and locked_at is null and attempts < max_attempts`;
      const failed = () => ctx.sql`${waiting}`;
      for (let i = 0; i < 200 && (await failed()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(refuseNext).toBe(0);
      // A product added since: an export done again would count it and write the files again.
      await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${actor.storeId}, 'e-late', 'S-late', 'Late', 1)`;
      // The retry now, not after graphile-worker's backoff (another test file's worker may take it and fail it: again).
      for (let i = 0; i < 200 && !mails.some((m) => m.includes('To: retry-team@shop.example')); i++) {
        await ctx.sql`select graphile_worker.reschedule_jobs(array(${waiting}), run_at => now()), pg_notify('jobs:insert', '')`;
        await new Promise((r) => setTimeout(r, 25));
      }
      const mail = mails.find((m) => m.includes('To: retry-team@shop.example'));
      expect(mail).toContain('Catalog export ready (3 products)');
      expect((await stat(file)).mtimeMs).toBe(written);
      const [after] = await ctx.sql`select status, products, completed_at from catalog_exports where store_id = ${actor.storeId} and id = ${view.id}`;
      expect(after).toMatchObject({ status: 'COMPLETED', products: 3 });
      expect(after.completed_at.toISOString()).toBe(view.completed_at);
      const events = await ctx.sql`select payload from outbox_events where store_id = ${actor.storeId} and type = 'export.completed'`;
      expect(events.map((e) => e.payload.exportId)).toEqual([view.id]);
    } finally { refuseNext = 0; await worker.stop(); await ctx.close(); }
  });

  it('leaves out products with an unresolved ERROR issue (seed 004: "blocks publishing or export") and says how many', async () => {
    const ctx = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } });
    const worker = await startTestWorker(ctx);
    try {
      const actor = await createPimActor(ctx, { notifyEmail: 'blocked-team@shop.example' });
      await subscribeToExports(ctx, actor);
      // WARNING issues only (no photos, a low score) / INVALID_BARCODE (ERROR): the rules the system runs on every write.
      expect((await runJob(ctx, actor, 'BULK_IMPORT', [
        { title: 'Warned', sku: 'BLK-WARN', description: 'A description' },
        { title: 'Errored', sku: 'BLK-ERR', description: 'A description', barcode: '12345' },
      ])).status).toBe('COMPLETED');
      const [warned, errored] = await ctx.sql<{ id: string }[]>`select id from products where store_id = ${actor.storeId} order by sku desc`;
      const issues = (await pimRequest(ctx, actor, 'GET', '/api/v1/pim/validation-issues')).json().data;
      const severities = (id: string) => issues.filter((i: any) => i.product_id === id).map((i: any) => i.severity);
      expect([severities(warned.id).length > 0, severities(warned.id).includes('ERROR'), severities(errored.id).includes('ERROR')]).toEqual([true, false, true]);
      const exported = async (view: any) => {
        const file = async (format: string) => (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${view.id}/download?format=${format}`)).body;
        const ndjson = (await file('ndjson')).trim().split('\n').map((l) => JSON.parse(l).id);
        const csv = (await file('csv')).trim().split('\n').slice(1).map((l) => l.split(',')[0]);
        return { ndjson, csv };
      };

      const first = await runExport(ctx, actor);
      expect(first).toMatchObject({ status: 'COMPLETED', products: 1, blocked_products: 1 });
      expect(await exported(first)).toEqual({ ndjson: [warned.id], csv: [warned.id] });
      const events = async () => (await ctx.sql`select payload from outbox_events where store_id = ${actor.storeId} and type = 'export.completed' order by created_at`).map((e) => e.payload);
      expect(await events()).toEqual([{ exportId: first.id, products: 1, blockedProducts: 1, storage: 'local' }]);
      const mail = async (n: number) => {
        for (let i = 0; i < 200 && mails.filter((m) => m.includes('To: blocked-team@shop.example')).length < n; i++) await new Promise((r) => setTimeout(r, 25));
        return mails.filter((m) => m.includes('To: blocked-team@shop.example'))[n - 1]?.replace(/=\r?\n/g, '').replace(/\r?\n/g, ' ');
      };
      expect(await mail(1)).toContain('1 product was left out: it has an unresolved ERROR validation issue');

      // Fixed (a valid EAN-13): the issue resolves, and the next export holds the product.
      expect((await runJob(ctx, actor, 'BULK_UPDATE', [{ id: errored.id, barcode: '4006381333931' }])).status).toBe('COMPLETED');
      const second = await runExport(ctx, actor);
      expect(second).toMatchObject({ status: 'COMPLETED', products: 2, blocked_products: 0 });
      expect(await exported(second)).toEqual({ ndjson: [warned.id, errored.id].sort(), csv: [warned.id, errored.id].sort() });
      expect((await events())[1]).toEqual({ exportId: second.id, products: 2, blockedProducts: 0, storage: 'local' });
      expect(await mail(2)).not.toContain('left out');
    } finally { await worker.stop(); await ctx.close(); }
  });
});
