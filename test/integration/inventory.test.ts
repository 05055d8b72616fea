import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { bareVariantProduct, warehouseIdsOf } from '../helpers/bare-rows.js';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch, withoutVolatile } from '../helpers/worker.js';
import { seedBody, seedResponses } from '../fixtures/seeds.js';
import { packRows } from '../../src/batches/payload-codec.js';
import { enqueueJob } from '../../src/jobs/enqueue.js';

const URL = '/api/v1/partner/stores/inventory';
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });
const variantProduct = (store: TestStore, ext: string, variants: { sku: string; ext: string }[]) =>
  bareVariantProduct(ctx.sql, store.storeId, ext, variants);


describe('PATCH /inventory (seed 002)', () => {
  it('answers the seed example like the seed and applies the accepted rows', async () => {
    const store = await createTestStore(ctx, 1);
    await subscribeToAllEvents(ctx, store);
    await ctx.sql`update warehouses set client_id = '2026012714314318226016' where store_id = ${store.storeId}`;
    // One product with variants (seed 003 shows the pair of ids as one, hasVariants true): its
    // variants' rows carry its id and externalId, the variant named by its sku.
    const parent = await variantProduct(store, '946b3ffa-5f9e-412e-acf4-eea306736e63', [
      { sku: 'SKU-MRON-L', ext: 'mron-ext' }, { sku: 'SKU-GRY-XL', ext: 'gry-ext' },
    ]);
    const [simple] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'bee2f8e5-ed8c-4b8e-97dc-208e45521909', 'SIMPLE', 'Simple') returning id`;

    // The published response answers the body's rows in another order than the published body
    // (and without its row "id: c16785c6…"): send the body the response describes.
    const b = seedBody('002').items;
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items: [b[0], b[5], b[2], b[3], b[4]] } });
    expect(res.statusCode).toBe(200);
    const expected: any = seedResponses('002')[0];
    expect(withoutVolatile(res.json())).toEqual(withoutVolatile(expected));
    const { data } = res.json();
    expect(data.acceptedRows.map((r: any) => r.id)).toEqual([parent.productId, simple.id, parent.productId]);
    // The events name the variant too.
    const requestedEvents = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'stock.update.requested' order by payload->'rowIndex'`;
    expect(requestedEvents.map((e) => [e.payload.id, e.payload.variantId ?? null, e.payload.sku ?? null]))
      .toEqual([[parent.productId, parent.variants['SKU-MRON-L'], 'SKU-MRON-L'], [simple.id, null, null], [parent.productId, parent.variants['SKU-GRY-XL'], 'SKU-GRY-XL']]);
    expect(data.batchId).toMatch(/^[0-9a-f-]{36}$/);
    const [{ n: requested }] = await ctx.sql`select count(*)::int as n from outbox_events where store_id = ${store.storeId} and type = 'stock.update.requested'`;
    expect(requested).toBe(3);

    await waitForBatch(ctx, data.batchId);
    const stock = await ctx.sql`
      select coalesce(v.sku, p.sku) as sku, ws.stock from warehouse_stock ws
      join products p on p.id = ws.product_id left join product_variants v on v.id = ws.variant_id
      where ws.store_id = ${store.storeId} order by 1`;
    expect(stock).toEqual([{ sku: 'SIMPLE', stock: 32 }, { sku: 'SKU-GRY-XL', stock: 200 }, { sku: 'SKU-MRON-L', stock: 55 }]);
    const [agg] = await ctx.sql`select stock from products_with_stock where id = ${parent.productId}`;
    expect(agg.stock).toBe(255);
    const [done] = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'stock.update.completed'`;
    expect(done.payload.summary).toEqual({ total: 5, succeeded: 3, failed: 2 });
  });

  it('refuses unknown externalId, ambiguous items, a variant product by id, and variant stock without warehouses', async () => {
    const store = await createTestStore(ctx, 0);
    const parent = await variantProduct(store, 'p-ext', [{ sku: 'V-1', ext: 'v-ext' }]);
    const [s1] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 's-ext', 'S-1', 'S') returning id`;
    await ctx.sql`update product_stock set stock = 1 where product_id = ${s1.id}`;
    const items = [
      { externalId: 'nope', stock: 1 },
      { sku: 'S-1', id: parent.productId, stock: 1 },
      { id: parent.productId, stock: 3 },
      { sku: 'V-1', stock: 3 },
      { sku: 'S-1', warehouses: ['wh_x'], stock: 2 },
      { sku: 'S-1', stock: 8 },
    ];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items } });
    const { data } = res.json();
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[0, 'INV_003'], [1, 'INV_004'], [2, 'INV_005'], [3, 'WHS_005'], [4, 'WHS_002']]);
    expect(data.errors[0]).toMatchObject({ externalId: 'nope', message: 'Invalid External ID' });
    // The variants to address instead, so that the partner need not read the product first.
    expect(data.errors[2].details.context).toEqual({ id: parent.productId, variantCount: 1, variants: [{ sku: 'V-1', externalId: 'v-ext', active: true }] });
    await waitForBatch(ctx, data.batchId);
    const [s] = await ctx.sql`select stock from products_with_stock where store_id = ${store.storeId} and sku = 'S-1'`;
    expect(s.stock).toBe(8);
    const [v] = await ctx.sql`select stock from product_variants where id = ${parent.variants['V-1']}`;
    expect(v.stock).toBe(0);
  });

  it('finds a product by its id in upper case, as the validator accepts it and PostgreSQL matches it', async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'up-ext', 'UP', 'Up') returning id`;
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items: [{ id: p.id.toUpperCase(), stock: 11 }] } });
    const { data } = res.json();
    expect(data.errors).toEqual([]);
    expect(data.acceptedRows).toEqual([{ rowIndex: 0, target: 'product', id: p.id, externalId: 'up-ext' }]);
    await waitForBatch(ctx, data.batchId);
    expect((await ctx.sql`select stock from products_with_stock where id = ${p.id}`)[0].stock).toBe(11);
  });

  it('answers VAL_001 for the whole body when every row fails the schema, like the catalog endpoints, and stores nothing', async () => {
    const store = await createTestStore(ctx, 0);
    const items = [{ sku: 'A', stock: -1 }, { sku: 'B', colour: 'red', stock: 1 }, { sku: 'C' }];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items } });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VAL_001']);
    expect(Object.keys(res.json().error.details.context.validationErrors.items)).toEqual(['0', '1', '2']);
    expect(res.json().error.details.context.validationErrors.items['2']).toEqual({ stock: 'stock or warehouses must be provided' });
    expect((await ctx.sql`select count(*)::int as n from batches where store_id = ${store.storeId}`)[0].n).toBe(0);
  });

  it('names in VAL_001 and INV_004 the identifiers the row sent, as strings', async () => {
    const store = await createTestStore(ctx, 0);
    const id = crypto.randomUUID();
    const items = [{ sku: 'SIMPLE-A', id, stock: 1 }, { externalId: 'E-1', stock: -1 }, { sku: 12345, stock: 1 }, { id }, { stock: 2 }];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items } });
    expect(res.json().data.errors.map(({ code, rowIndex, sku, id, externalId }: any) => ({ code, rowIndex, sku, id, externalId }))).toEqual([
      { code: 'INV_004', rowIndex: 0, sku: 'SIMPLE-A', id, externalId: undefined },
      { code: 'VAL_001', rowIndex: 1, sku: undefined, id: undefined, externalId: 'E-1' },
      { code: 'VAL_001', rowIndex: 2, sku: '12345', id: undefined, externalId: undefined },
      { code: 'VAL_001', rowIndex: 3, sku: undefined, id, externalId: undefined },
      { code: 'INV_004', rowIndex: 4, sku: undefined, id: undefined, externalId: undefined },
    ]);
  });

  it("returns and documents a succeeded row's result as the batch stores it: {target, id}", async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'res-ext', 'RES', 'Res') returning id`;
    const { batchId } = (await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items: [{ sku: 'RES', stock: 2 }] } })).json().data;
    await waitForBatch(ctx, batchId);
    const view = (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` })).json();
    expect(view.data.rows[0].result).toEqual({ target: 'product', id: p.id });
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const rowSchema = doc.paths['/api/v1/partner/stores/batches/{batchId}'].get.responses['200'].content['application/json'].schema.properties.data.properties.rows.items;
    expect(rowSchema.properties.result.description).toContain('inventory: {target, id}');
  });

  it('refuses an empty warehouses list with WHS_007, as seed 003 words the rule', async () => {
    const store = await createTestStore(ctx, 2);
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'empty-wh', 'EMPTY-WH', 'E')`;
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items: [{ sku: 'EMPTY-WH', warehouses: [] }] } });
    const { data } = res.json();
    expect([res.statusCode, data.errors.map((e: any) => [e.rowIndex, e.code, e.message]), data.acceptedRows]).toEqual([200, [[0, 'WHS_007', 'Warehouses cannot be empty']], []]);
  });

  it('applies 200 concurrent updates of one SKU so that the last accepted wins', { timeout: 120000 }, async () => {
    const store = await createTestStore(ctx, 3);
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'race', 'RACE', 'Race')`;
    const second = await startTestWorker(ctx);
    try {
      const responses = await Promise.all(Array.from({ length: 200 }, (_, i) =>
        signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items: [{ sku: 'RACE', stock: i + 1 }] } })));
      const stockOf = new Map(responses.map((r, i) => [r.json().data.batchId as string, i + 1]));
      expect(stockOf.size).toBe(200);
      for (const id of stockOf.keys()) await waitForBatch(ctx, id);
      const [last] = await ctx.sql`select id from batches where store_id = ${store.storeId} order by accepted_seq desc limit 1`;
      const expected = stockOf.get(last.id)!;
      const rows = await ctx.sql`select stock from warehouse_stock where store_id = ${store.storeId}`;
      expect(rows.map((r) => r.stock)).toEqual([expected, expected, expected]);
      const [p] = await ctx.sql`select stock from products_with_stock where store_id = ${store.storeId}`;
      expect(p.stock).toBe(expected * 3);
    } finally {
      await second.stop();
    }
  });
});

describe('a stock batch accepted before 0082', () => {
  it('is applied from the rows it packed, which move to where PostgreSQL reads them', async () => {
    const store = await createTestStore(ctx, 2);
    const whs = await warehouseIdsOf(ctx.sql, store.storeId);
    const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Packed') returning id`;
    const packed = await packRows([[0, ['p', p.id, null, [[whs[0], 5], [whs[1], 6]]]], [2, ['p', p.id, null, [[whs[1], 8]]]]]);
    const batchId = crypto.randomUUID();
    await ctx.sql.begin(async (tx) => {
      await tx`insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, packed_rows, accepted_rows)
        values (${store.storeId}, ${batchId}, 'inventory', ${store.partnerId}, ${crypto.randomUUID()}, 'PENDING', 3, 2, nextval('batch_accept_seq'), ${packed.rows}, '{0,2}')`;
      await enqueueJob(tx, 'batch.process', { storeId: store.storeId, batchId });
    });
    expect(await waitForBatch(ctx, batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 0 });
    const stock = await ctx.sql`select warehouse_id, stock from warehouse_stock where product_id = ${p.id} order by warehouse_id`;
    expect(Object.fromEntries(stock.map((r) => [r.warehouse_id, r.stock]))).toEqual({ [whs[0]]: 5, [whs[1]]: 8 });
    const [moved] = await ctx.sql`select b.packed_rows, r.row_index from batches b join batch_stock_rows r on r.batch_id = b.id where b.id = ${batchId}`;
    expect(moved).toEqual({ packed_rows: null, row_index: [0, 0, 2] });
  });
});
