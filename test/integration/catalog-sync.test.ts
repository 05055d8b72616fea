import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch, withoutVolatile } from '../helpers/worker.js';
import { seedBody, seedResponses } from '../fixtures/seeds.js';
import { unpackRows } from '../../src/batches/payload-codec.js';
import { acceptBatch } from '../../src/batches/batch-store.js';
import { enqueueJob } from '../../src/jobs/enqueue.js';

const URL = '/api/v1/partner/stores/catalog/sync';
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const product = (n: number, extra: Record<string, unknown> = {}) => ({
  externalId: `ext-${n}`, name: `Product ${n}`, sku: `SKU-${n}`, price: 1000 + n, ...extra,
});

describe('POST /catalog/sync (seed 000)', () => {
  it('answers the seed example with the seed response, then creates the products', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: seedBody('000') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const { batchId, ...data } = body.data;
    expect(withoutVolatile({ ...body, data })).toEqual(withoutVolatile(seedResponses('000')[0]));
    expect(batchId).toMatch(/^pb_[0-9a-f-]{36}$/);

    const batch = await waitForBatch(ctx, batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 3, failed: 0, pending: 0 });
    const rows = await ctx.sql`select * from products_with_stock where store_id = ${store.storeId} order by sku`;
    expect(rows.map((r) => r.sku)).toEqual(['BAG002', 'MUG003', 'TSHIRT001']);
    const tshirt = rows[2];
    expect(tshirt).toMatchObject({ name: 'Cars Tshir - Berskha ', stock: 50, weight: 250, min_order: 1, condition: 'NEW', insurance_required: true });
    expect(Number(tshirt.price)).toBe(100000);
    expect(Number(tshirt.special_price)).toBe(95000);
    expect(tshirt.photos).toHaveLength(5);
    expect(tshirt.hashtags).toEqual(['tshirt', 'cotton', 'basic', 'unisex']);
    expect(Number(tshirt.length)).toBe(12);
    // One audit event for the chunk's creations, naming every product (audit-log.ts).
    const audits = await ctx.sql`select * from audit_events where store_id = ${store.storeId} and action like 'product%' order by id`;
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      action: 'products.created', actor_type: 'partner', actor: store.partnerClientId, resource_type: 'batch', resource_id: batchId,
      request_id: res.headers['x-request-id'] ?? expect.any(String), changes: { batchId, created: 3 },
    });
    expect([...audits[0].changes.products].sort()).toEqual(rows.map((r) => r.id).sort());
    const events = await ctx.sql`select type, payload, created_at from outbox_events where store_id = ${store.storeId} order by created_at`;
    expect(events.filter((e) => e.type === 'product.created')).toHaveLength(3);
    const done = events.find((e) => e.type === 'catalog.sync.completed');
    expect(done?.payload).toMatchObject({ batchId, summary: { total: 3, succeeded: 3, failed: 0 } });
    // An event is stamped (its payload's `timestamp`) when written: the summary after the batch
    // completed and after its products' events (before, all at the chunk's start, before completedAt).
    expect(done!.created_at.getTime()).toBeGreaterThanOrEqual(Date.parse(done!.payload.completedAt));
    expect(events.at(-1)?.type).toBe('catalog.sync.completed');
    // Listed newest first: the summary's delivery, then its products'.
    const listed = await signedInject(ctx, store, { method: 'GET', url: '/api/v1/partner/webhooks/deliveries', partnerOnly: true });
    expect(listed.json().data.map((d: { eventType: string }) => d.eventType).filter((t: string) => t !== 'stock.update.completed'))
      .toEqual(['catalog.sync.completed', 'product.created', 'product.created', 'product.created']);

    // Creation only: the same rows again are refused at once and change nothing.
    const again = await signedInject(ctx, store, { method: 'POST', url: URL, body: seedBody('000') });
    expect(again.json().data.summary).toEqual({ total: 3, failed: 3, pending: 0 });
    expect(again.json().data.errors.map((e: any) => e.code)).toEqual(['PRD_002', 'PRD_002', 'PRD_002']);
    const [{ n }] = await ctx.sql`select count(*)::int as n from products where store_id = ${store.storeId}`;
    expect(n).toBe(3);
  });

  it('answers VAL_001 for the whole request when no row is valid, like the seed, and stores nothing', async () => {
    const store = await createTestStore(ctx, 0);
    const rows = [0, 1].map((n) => product(n, { colour: 'red', externalId: 'x'.repeat(300) }));
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('VAL_001');
    expect(err.details.context.validationErrors.products['1']).toEqual({
      colour: 'property colour should not exist',
      externalId: 'externalId must be shorter than or equal to 255 characters',
    });
    const [{ n }] = await ctx.sql`select count(*)::int as n from batches where store_id = ${store.storeId}`;
    expect(n).toBe(0);
  });

  it('refuses a body without the products array as a whole', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { items: [] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VAL_001');
  });

  it('accepts the valid rows and answers each invalid one with its code', async () => {
    const store = await createTestStore(ctx, 0);
    const rows = [
      product(1),
      product(2, { price: 'cheap' }),
      product(3, { warehouses: [{ clientId: 'wh_nope', stock: 1 }] }),
      product(4, { specialPrice: 5000 }),
      product(1, { sku: 'OTHER' }),
      product(6, { categoryId: '00000000-0000-4000-8000-000000000000' }),
      // Below its price as sent, equal to it as numeric(15, 2) stores both (0.00).
      product(7, { price: 0.004, specialPrice: 0.001 }),
      // Whole grams, as stored: 0.4 was stored as 0 (QA).
      product(8, { weight: 0.4 }),
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    const data = res.json().data;
    expect(data.summary).toEqual({ total: 8, failed: 7, pending: 1 });
    expect(data.acceptedRows).toEqual([{ rowIndex: 0, externalId: 'ext-1', sku: 'SKU-1' }]);
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[1, 'VAL_001'], [2, 'WHS_002'], [3, 'PRD_008'], [4, 'PRD_004'], [5, 'PRD_007'], [6, 'PRD_008'], [7, 'VAL_001']]);
    expect(data.errors[0].details.context.validationErrors.price).toContain('price must be a number');
    expect(data.errors[6].details.context.validationErrors).toEqual({ weight: 'weight must be an integer number' });
    // Its message names every kind of reference (it said "Unknown category reference" of a brand too).
    expect(data.errors[4].message).toBe('Unknown category, sub-category, type or brand reference');
    // Its context tells the prices as compared, stored (it told 0.004 and 0.001, which read as fine).
    expect(data.errors[5].details.context).toEqual({ price: 0, specialPrice: 0 });
    await waitForBatch(ctx, data.batchId);
    const skus = await ctx.sql`select sku from products where store_id = ${store.storeId}`;
    expect(skus.map((r) => r.sku)).toEqual(['SKU-1']);
  });

  it('stores the same values whether PostgreSQL reads the rows from the stored body or the worker does', async () => {
    // A body whose every row passed the schema is read by PostgreSQL (jsonb_to_recordset); one with
    // an invalid row is read by the worker. Written as raw text, so numbers keep the partner's spelling.
    const seed = (seedBody('000') as any).products[0];
    const edgy = (n: number) => String.raw`{"externalId":"edge-${n}","sku":"EDGE-${n}","name":"first of two","name":"Édge ${n}","price":10.005,"specialPrice":5.555,
      "weight":2.505e2,"weight":251.0,"minOrder":2.0,"preorderPeriod":1e1,"isPreorder":true,"condition":"USED","barcode":"0${n}",
      "categoryId":"${seed.categoryId.toUpperCase()}","subCategoryId":"${seed.subCategoryId}","typeId":"${seed.typeId}",
      "dimensions":{"length":12.345,"width":1,"height":0.5},"hashtags":["a\"b","ünï"],"photos":["https://x.example/1.jpg"],
      "description":"line\nbreak \u00e9","stock":7}`;
    const columns = 'name, price, special_price, weight, min_order, preorder_period, is_preorder, condition, barcode, category_id, sub_category_id, type_id, length, width, height, hashtags, photos, official_banners, description, stock, is_archived, cod_enabled';
    const stored = [];
    // A duplicated key: JSON.parse keeps the last array, and so must the worker.
    for (const [invalidRow, duplicateKey] of [[false, false], [true, false], [false, true]]) {
      const store = await createTestStore(ctx, 0);
      const ghost = duplicateKey ? '"products":[{"externalId":"ghost","sku":"GHOST","name":"Ghost","price":1}],' : '';
      const body = `{${ghost}"products":[${edgy(1)},${edgy(2).replace('"minOrder":2.0', '"minOrder":2.0,"insuranceRequired":false')}${invalidRow ? ',{"externalId":"bad","sku":"BAD","name":"Bad","price":"cheap"}' : ''}]}`;
      const res = await signedInject(ctx, store, { method: 'POST', url: URL, body });
      expect(res.json().data.errors ?? []).toEqual(invalidRow ? [expect.objectContaining({ code: 'VAL_001' })] : []);
      expect(res.json().data.summary).toEqual({ total: invalidRow ? 3 : 2, failed: invalidRow ? 1 : 0, pending: 2 });
      const [batch] = await ctx.sql`select packed_rows, body from batches where store_id = ${store.storeId}`;
      expect((await unpackRows(batch.packed_rows)).body!.wellTyped).toBe(!invalidRow);
      expect(batch.body.toString('utf8')).toBe(body);
      await waitForBatch(ctx, res.json().data.batchId);
      stored.push(await ctx.sql.unsafe(`select ${columns} from products_with_stock where store_id = $1 order by sku`, [store.storeId]));
    }
    expect(stored[0]).toHaveLength(2);
    expect(stored[0][0]).toMatchObject({
      name: 'Édge 1', price: '10.01', special_price: '5.56', weight: 251, min_order: 2, preorder_period: 10, is_preorder: true,
      condition: 'USED', barcode: '01', category_id: seed.categoryId, length: '12.35', width: '1.00', height: '0.50',
      hashtags: ['a"b', 'ünï'], photos: ['https://x.example/1.jpg'], official_banners: [], description: 'line\nbreak é',
      stock: 7, is_archived: false, cod_enabled: false,
    });
    expect(stored[1]).toEqual(stored[0]);
    expect(stored[2]).toEqual(stored[0]);
  });

  it('still processes a batch stored before its rows carried their keys (the body is read by the worker)', async () => {
    const store = await createTestStore(ctx, 0);
    const body = Buffer.from(JSON.stringify({ products: [product(1, { stock: 4 }), product(2)] }));
    const { batchId } = await ctx.sql.begin((tx) => acceptBatch(tx, {
      storeId: store.storeId, partnerId: store.partnerId, kind: 'catalog.sync', requestId: randomUUID(), ip: null, total: 2, rejected: [],
      accepted: [{ rowIndex: 0, payload: { mode: 'create', placement: { kind: 'product', stock: 4 } } }, { rowIndex: 1, payload: { mode: 'create', placement: { kind: 'none' } } }],
      source: { body, field: 'products', omit: ['id'], wellTyped: true },
    }));
    expect(await waitForBatch(ctx, batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 0 });
    const rows = await ctx.sql`select sku, name, stock from products_with_stock where store_id = ${store.storeId} order by sku`;
    expect(rows).toEqual([{ sku: 'SKU-1', name: 'Product 1', stock: 4 }, { sku: 'SKU-2', name: 'Product 2', stock: 0 }]);
  });

  it('still processes a batch accepted before 0081, whose body was compressed, and moves the body to where PostgreSQL reads it', async () => {
    const store = await createTestStore(ctx, 0);
    const brotli = promisify(brotliCompress);
    const body = Buffer.from(JSON.stringify({ products: [product(1, { stock: 4 }), product(2)] }));
    const plans = [[0, { mode: 'create', placement: { kind: 'product', stock: 4 }, externalId: 'ext-1', sku: 'SKU-1' }],
      [1, { mode: 'create', placement: { kind: 'none' }, externalId: 'ext-2', sku: 'SKU-2' }]];
    // 0068's form: packed_rows holds 0x01 and a header without the array's range; packed_body the Brotli body.
    const header = await brotli(Buffer.from(`\u0001${JSON.stringify({ field: 'products', omit: ['id'], wellTyped: true, rows: plans })}`));
    const batchId = `pb_${randomUUID()}`;
    await ctx.sql.begin(async (tx) => {
      await tx`insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, packed_rows, packed_body, accepted_rows)
        values (${store.storeId}, ${batchId}, 'catalog.sync', ${store.partnerId}, ${randomUUID()}, 'PENDING', 2, 2, nextval('batch_accept_seq'), ${header}, ${await brotli(body)}, '{0,1}')`;
      await enqueueJob(tx, 'batch.process', { storeId: store.storeId, batchId });
    });
    expect(await waitForBatch(ctx, batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 0 });
    const rows = await ctx.sql`select sku, name, stock from products_with_stock where store_id = ${store.storeId} order by sku`;
    expect(rows).toEqual([{ sku: 'SKU-1', name: 'Product 1', stock: 4 }, { sku: 'SKU-2', name: 'Product 2', stock: 0 }]);
    const [stored] = await ctx.sql`select packed_body, body from batches where id = ${batchId}`;
    expect(stored).toEqual({ packed_body: null, body });
  });

  it('refuses a photo, banner or thumbnail that is no http(s) URL (javascript:, ftp:) or holds credentials: a storefront loads them', async () => {
    const store = await createTestStore(ctx, 0);
    const rows = [product(1, { photos: ['javascript:alert(1)'] }), product(2, { thumbnails: ['ftp://x.example/t.jpg'] }), product(3, { photos: ['HTTPS://X.example/ok.jpg'] }),
      product(4, { officialBanners: ['https://cdn:s3cret@x.example/b.jpg'] })];
    const data = (await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } })).json().data;
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[0, 'VAL_001'], [1, 'VAL_001'], [3, 'VAL_001']]);
    for (const n of [0, 1, 2]) expect(JSON.stringify(data.errors[n].details.context.validationErrors)).toContain('must be an http(s) URL address without credentials');
    expect(data.acceptedRows.map((r: any) => r.rowIndex)).toEqual([2]);
  });

  it('refuses a body holding the NUL character and stores nothing (PostgreSQL could never create its row)', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1), product(2, { name: 'a\u0000b' })] } });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VAL_001']);
    expect(res.json().error.details.context.validationErrors).toEqual({ products: { 1: { name: 'name must not contain the NUL character (\\u0000)' } } });
    expect(await ctx.sql`select id from batches where store_id = ${store.storeId}`).toEqual([]);
  });

  it('completes a batch whose rows were all applied but which was not completed (a run that died in between, as earlier code could)', async () => {
    const store = await createTestStore(ctx, 0);
    const batchId = `pb_${randomUUID()}`;
    await ctx.sql.begin(async (tx) => {
      await tx`insert into batches (store_id, id, kind, partner_id, request_id, status, total, succeeded, pending, accepted_seq, accepted_rows, outcomes)
        values (${store.storeId}, ${batchId}, 'catalog.sync', ${store.partnerId}, ${randomUUID()}, 'PROCESSING', 1, 1, 0, nextval('batch_accept_seq'), '{0}',
          '[{"rowIndex":0,"status":"SUCCEEDED","code":null,"message":null,"details":null,"result":null}]')`;
      await enqueueJob(tx, 'batch.process', { storeId: store.storeId, batchId });
    });
    expect(await waitForBatch(ctx, batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 1, pending: 0 });
  });

  it('refuses a body that is not valid UTF-8 with REQ_001 and stores nothing (its name was stored with U+FFFD in place of the bytes)', async () => {
    const store = await createTestStore(ctx, 0);
    const json = JSON.stringify({ products: [product(1, { name: 'Bad XX bytes' })] });
    const at = json.indexOf('XX');
    const body = Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(json.slice(at + 2))]);
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'REQ_001']);
    expect(await ctx.sql`select id from batches where store_id = ${store.storeId}`).toEqual([]);
  });

  it('applies the warehouse rules on a store with 3 warehouses', async () => {
    const store = await createTestStore(ctx, 3);
    const [w1] = store.warehouses;
    const rows = [
      product(1, { stock: 7 }),
      product(2, { warehouses: [{ clientId: w1.clientId, stock: 5 }] }),
      product(3, { stock: 1, warehouses: [{ clientId: w1.clientId, stock: 5 }] }),
      product(4, { warehouses: [{ clientId: 'wh_unknown', stock: 5 }] }),
      product(5, { warehouses: [] }),
      // "Warehouse items require valid clientId and stock" (seed 000): a rule's code, not VAL_001.
      product(6, { warehouses: [{ clientId: w1.clientId }] }),
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    const data = res.json().data;
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[2, 'WHS_001'], [3, 'WHS_003'], [4, 'WHS_007'], [5, 'WHS_006']]);
    expect(data.errors[2]).toMatchObject({ message: 'Warehouses cannot be empty' });
    expect(data.errors[3]).toMatchObject({ message: 'Warehouse stock missing', details: { context: { field: 'warehouses', clientId: w1.clientId } } });
    await waitForBatch(ctx, data.batchId);
    const stock = await ctx.sql`
      select p.sku, p.stock, count(ws.*)::int as rows, coalesce(sum(ws.stock), 0)::int as total
      from products_with_stock p left join warehouse_stock ws on ws.product_id = p.id
      where p.store_id = ${store.storeId} group by p.sku, p.stock order by p.sku`;
    expect(stock).toEqual([
      { sku: 'SKU-1', stock: 21, rows: 3, total: 21 },
      { sku: 'SKU-2', stock: 5, rows: 1, total: 5 },
    ]);
  });

  it('fails a row whose externalId was taken after acceptance (PRD_002), without touching the other product', async () => {
    await worker.stop();
    try {
      const store = await createTestStore(ctx, 0);
      const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1), product(2)] } });
      const { batchId } = res.json().data;
      const pending = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` });
      expect(pending.json().data).toMatchObject({ status: 'PENDING', summary: { total: 2, pending: 2, succeeded: 0, failed: 0 } });
      expect(pending.json().data.rows.map((r: any) => [r.rowIndex, r.status])).toEqual([[0, 'PENDING'], [1, 'PENDING']]);
      await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'ext-2', 'RACED', 'Raced in')`;
      worker = await startTestWorker(ctx);
      const batch = await waitForBatch(ctx, batchId);
      expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1, failed: 1 });
      const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
      expect(outcomes.map((o: any) => [o.rowIndex, o.status, o.code ?? null])).toEqual([[0, 'SUCCEEDED', null], [1, 'FAILED', 'PRD_002']]);
      // The keys of each outcome are the body's: PostgreSQL's for the created row, read back by the worker for the failed one.
      expect(outcomes.map((o: any) => o.result ?? o.details)).toEqual([
        { id: expect.any(String), externalId: 'ext-1', sku: 'SKU-1', action: 'created' }, { externalId: 'ext-2', sku: 'SKU-2', retryable: false }]);
      const [raced] = await ctx.sql`select name from products where store_id = ${store.storeId} and external_id = 'ext-2'`;
      expect(raced.name).toBe('Raced in');
    } finally {
      worker = worker ?? await startTestWorker(ctx);
    }
  });

  it('refuses more than 1,000 rows with PRD_006', async () => {
    const store = await createTestStore(ctx, 0);
    const rows = Array.from({ length: 1001 }, (_, n) => product(n));
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'PRD_006', details: { context: { maxRows: 1000, received: 1001 } } });
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const store = await createTestStore(ctx, 0);
    const headers = { 'idempotency-key': 'sync-1' };
    const first = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1)] }, headers });
    const second = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1)] }, headers });
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    const [{ n }] = await ctx.sql`select count(*)::int as n from batches where store_id = ${store.storeId}`;
    expect(n).toBe(1);
    const other = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(2)] }, headers });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('IDEM_001');
    for (const key of ['k'.repeat(256), 'with space']) {
      const invalid = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(3)] }, headers: { 'idempotency-key': key } });
      expect([invalid.statusCode, invalid.json().error.code]).toEqual([400, 'IDEM_002']);
    }
  });
});
