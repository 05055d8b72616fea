import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch, withoutVolatile } from '../helpers/worker.js';
import { seedBody, seedResponses } from '../fixtures/seeds.js';
import { batchKind } from '../../src/batches/processors.js';
import { readBatch } from '../../src/batches/batch-store.js';
import { storeStockRows } from '../../src/inventory/stock-batches.js';
import { stockEntries } from '../../src/inventory/stock-payload.js';
import { packRows } from '../../src/batches/payload-codec.js';
import { enqueueJob } from '../../src/jobs/enqueue.js';
import { addWarehouse } from '../../src/stores/warehouses.js';

const URL = '/api/v1/partner/stores/inventory';
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

async function variantProduct(store: TestStore, ext: string, variants: { sku: string; ext: string }[]) {
  const [p] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, ${ext}, 'Parent', true) returning id`;
  const vs = await ctx.sql`insert into product_variants (store_id, product_id, sku, external_id)
    select ${store.storeId}, ${p.id}, v.sku, v.ext from jsonb_to_recordset(${ctx.sql.json(variants as any)}::jsonb) as v(sku text, ext text) returning id, sku`;
  return { productId: p.id as string, variants: Object.fromEntries(vs.map((v) => [v.sku, v.id as string])) };
}

describe('PATCH /inventory (seed 002)', () => {
  it('answers the seed example like the seed and applies the accepted rows', async () => {
    const store = await createTestStore(ctx, 1);
    await subscribeToAllEvents(ctx, store);
    await ctx.sql`update warehouses set client_id = '2026012714314318226016' where store_id = ${store.storeId}`;
    const parent = await variantProduct(store, 'parent-ext', [
      { sku: 'SKU-MRON-L', ext: '946b3ffa-5f9e-412e-acf4-eea306736e63' }, { sku: 'SKU-GRY-XL', ext: 'gry-ext' },
    ]);
    const [simple] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'bee2f8e5-ed8c-4b8e-97dc-208e45521909', 'SIMPLE', 'Simple') returning id`;

    // The published response answers the body's rows in another order than the published body
    // (and without its row "id: c16785c6…"): send the body the response describes.
    const b = seedBody('002').items;
    const res = await signedInject(ctx, store, { method: 'PATCH', url: URL, body: { items: [b[0], b[5], b[2], b[3], b[4]] } });
    expect(res.statusCode).toBe(200);
    const expected: any = seedResponses('002')[0];
    // The published example repeats row 0's variant for row 3; here SKU-GRY-XL is its own variant.
    expected.data.acceptedRows[2].externalId = 'gry-ext';
    expect(withoutVolatile(res.json())).toEqual(withoutVolatile(expected));
    const { data } = res.json();
    expect(data.acceptedRows.map((r: any) => r.id)).toEqual([parent.variants['SKU-MRON-L'], simple.id, parent.variants['SKU-GRY-XL']]);
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

// The chunk applier itself, on a batch stored as acceptance stores it but with no job: through
// the queue, another test file's worker could process the batch before the change made after acceptance.
async function applyChunk(store: TestStore, rows: { rowIndex: number; payload: any }[], chunkSize = 1000) {
  const batchId = crypto.randomUUID();
  await ctx.sql.begin(async (tx) => {
    await storeStockRows(tx, store.storeId, batchId, stockEntries(rows.map((r) => ({ rowIndex: r.rowIndex, row: r.payload }))));
    await tx`insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, accepted_rows)
      values (${store.storeId}, ${batchId}, 'inventory', ${store.partnerId}, ${crypto.randomUUID()}, 'PENDING', ${rows.length}, ${rows.length},
        ${(1n << 40n).toString()}, ${rows.map((r) => r.rowIndex)}::int[])`;
  });
  const spec = batchKind('inventory');
  if (!('applyChunk' in spec)) throw new Error('stock batches are applied in PostgreSQL');
  const apply = () => ctx.sql.begin((tx) => spec.applyChunk(tx, store.storeId, batchId, chunkSize));
  const states = [await apply()];
  while (states.at(-1) === 'more') states.push(await apply());
  // Each chunk says whether rows are left, so the last one completes the batch; then nothing is.
  expect(states).toEqual([...Array(Math.ceil(rows.length / chunkSize) - 1).fill('more'), 'last']);
  expect(await apply()).toBe('none');
  // As a partner reads them (readBatch fills in the keys PostgreSQL leaves out of a success).
  const { view } = (await readBatch(ctx.sql, store.storeId, { batchId }, 1, 1000))!;
  expect(view.summary.pending).toBe(0);
  return view.rows;
}
const placed = (warehouseIds: string[], stock: number) => ({ kind: 'warehouses', allocations: warehouseIds.map((w) => ({ warehouseId: w, clientId: 'c', stock })) });

describe('a stock batch accepted before 0082', () => {
  it('is applied from the rows it packed, which move to where PostgreSQL reads them', async () => {
    const store = await createTestStore(ctx, 2);
    const whs = (await ctx.sql<{ id: string }[]>`select id from warehouses where store_id = ${store.storeId} order by name`).map((w) => w.id);
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

describe('a stock batch applied a few rows at a time', () => {
  it('applies each row once, in acceptance order, a chunk at a time', async () => {
    const store = await createTestStore(ctx, 1);
    const [w] = await ctx.sql<{ id: string }[]>`select id from warehouses where store_id = ${store.storeId}`;
    const [a, b] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'A'), (${store.storeId}, 'B') returning id`;
    const row = (rowIndex: number, p: { id: string }, stock: number) => ({ rowIndex, payload: { target: 'product', productId: p.id, variantId: null, placement: placed([w.id], stock) } });
    // Rows 1 and 4 set A: 4 is accepted later and wins though a chunk of its own applies it last.
    const outcomes = await applyChunk(store, [row(0, b, 1), row(1, a, 2), row(2, b, 3), row(3, b, 5), row(4, a, 7)], 2);
    expect(outcomes.map((o) => [o.rowIndex, o.status])).toEqual([[0, 'SUCCEEDED'], [1, 'SUCCEEDED'], [2, 'SUCCEEDED'], [3, 'SUCCEEDED'], [4, 'SUCCEEDED']]);
    const stock = await ctx.sql`select id, stock from products_with_stock where id in ${ctx.sql([a.id, b.id])}`;
    expect(Object.fromEntries(stock.map((s) => [s.id, s.stock]))).toEqual({ [a.id]: 7, [b.id]: 5 });
    const audits = await ctx.sql`select changes->'rows' as rows from audit_events where store_id = ${store.storeId} and action = 'stock.updated' order by id`;
    expect(audits.map((x) => x.rows)).toEqual([[0, 1], [2, 3], [4]]);
  });
});

describe('a stock chunk applied after its store got its first warehouses', () => {
  it('puts product-level stock accepted before on every warehouse, so the total stays the sum of rows', async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Before') returning id`;
    await ctx.sql`update product_stock set stock = 3 where product_id = ${p.id}`;
    const rows = [{ rowIndex: 0, payload: { target: 'product', productId: p.id, variantId: null, placement: { kind: 'product', stock: 9 } } }];
    await addWarehouse(ctx.sql, store.storeId, 'First');
    await addWarehouse(ctx.sql, store.storeId, 'Second');
    const outcomes = await applyChunk(store, rows);
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED']);
    const stock = await ctx.sql`select w.name, ws.stock from warehouse_stock ws join warehouses w on w.id = ws.warehouse_id where ws.product_id = ${p.id} order by w.name`;
    expect(stock.map((r) => [r.name, r.stock])).toEqual([['First', 9], ['Second', 9]]);
    expect((await ctx.sql`select stock from products_with_stock where id = ${p.id}`)[0].stock).toBe(18);
  });
});

describe('a stock chunk whose targets were deleted after acceptance', () => {

  it('fails only the deleted product and variant, with the code of the identifier each was sent with, and applies the rest', async () => {
    const store = await createTestStore(ctx, 2);
    const whs = (await ctx.sql<{ id: string }[]>`select id from warehouses where store_id = ${store.storeId} order by name`).map((w) => w.id);
    const [kept, gone] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Gone') returning id`;
    const parent = await variantProduct(store, 'del-parent', [{ sku: 'DEL-V1', ext: 'del-v1' }, { sku: 'DEL-V2', ext: 'del-v2' }]);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
      select ${store.storeId}, p, v, w, 1 from unnest(${[kept.id, gone.id, parent.productId, parent.productId]}::uuid[],
        ${[null, null, parent.variants['DEL-V1'], parent.variants['DEL-V2']]}::uuid[]) as t(p, v), unnest(${whs}::uuid[]) as w`;
    const rows = [
      { rowIndex: 0, payload: { target: 'product', productId: kept.id, variantId: null, placement: placed(whs, 7), namedBy: 'sku' } },
      { rowIndex: 1, payload: { target: 'product', productId: gone.id, variantId: null, placement: placed(whs, 8), namedBy: 'id' } },
      { rowIndex: 2, payload: { target: 'variant', productId: parent.productId, variantId: parent.variants['DEL-V1'], placement: placed(whs, 9), namedBy: 'externalId' } },
      { rowIndex: 3, payload: { target: 'variant', productId: parent.productId, variantId: parent.variants['DEL-V2'], placement: placed(whs.slice(0, 1), 4), namedBy: 'sku' } },
    ];
    await ctx.sql`delete from products where id = ${gone.id}`;
    await ctx.sql`delete from product_variants where id = ${parent.variants['DEL-V1']}`;

    const outcomes = await applyChunk(store, rows);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'SUCCEEDED', null], [1, 'FAILED', 'INV_002'], [2, 'FAILED', 'INV_003'], [3, 'SUCCEEDED', null]]);
    const stock = await ctx.sql`select product_id, variant_id, warehouse_id, stock from warehouse_stock where store_id = ${store.storeId} order by product_id, variant_id, warehouse_id`;
    expect(stock.filter((r) => r.product_id === kept.id).map((r) => r.stock)).toEqual([7, 7]);
    expect(stock.filter((r) => r.product_id === gone.id)).toEqual([]);
    expect(stock.filter((r) => r.variant_id === parent.variants['DEL-V1'])).toEqual([]);
    const v2 = Object.fromEntries(stock.filter((r) => r.variant_id === parent.variants['DEL-V2']).map((r) => [r.warehouse_id, r.stock]));
    expect(v2).toEqual({ [whs[0]]: 4, [whs[1]]: 1 });
    const aggregates = await ctx.sql`select id, stock from products_with_stock where id in ${ctx.sql([kept.id, parent.productId])}`;
    expect(Object.fromEntries(aggregates.map((a) => [a.id, a.stock]))).toEqual({ [kept.id]: 14, [parent.productId]: 5 });
  });

  // Rows stored before 0084 do not say how they were named: theirs is the code of their target.
  it('on a store without warehouses, fails the deleted product and sets the others', async () => {
    const store = await createTestStore(ctx, 0);
    const [kept, gone] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Gone') returning id`;
    await ctx.sql`delete from products where id = ${gone.id}`;
    const outcomes = await applyChunk(store, [
      { rowIndex: 0, payload: { target: 'product', productId: gone.id, variantId: null, placement: { kind: 'product', stock: 3 } } },
      { rowIndex: 1, payload: { target: 'product', productId: kept.id, variantId: null, placement: { kind: 'product', stock: 6 } } },
    ]);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'FAILED', 'INV_002'], [1, 'SUCCEEDED', null]]);
    const [p] = await ctx.sql`select stock from products_with_stock where id = ${kept.id}`;
    expect(p.stock).toBe(6);
  });
});

describe('a stock chunk whose product took variants after acceptance', () => {
  // A product given variants (PATCH with a variant set) has no stock of its own: its rows
  // accepted while it was simple fail INV_005, as they would be refused at accept now.
  const takeVariants = async (store: TestStore, productId: string) => {
    await ctx.sql`delete from warehouse_stock where product_id = ${productId} and variant_id is null`;
    await ctx.sql`update products set has_variants = true where id = ${productId}`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${productId}, ${`V-${productId}`})`;
  };

  it('fails its row INV_005, writes it no stock of its own, and applies the rest', async () => {
    const store = await createTestStore(ctx, 2);
    const whs = (await ctx.sql<{ id: string }[]>`select id from warehouses where store_id = ${store.storeId} order by name`).map((w) => w.id);
    const [kept, converted] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Converted') returning id`;
    const rows = [
      { rowIndex: 0, payload: { target: 'product', productId: kept.id, variantId: null, placement: placed(whs, 7), namedBy: 'sku' } },
      { rowIndex: 1, payload: { target: 'product', productId: converted.id, variantId: null, placement: placed(whs, 8), namedBy: 'id' } },
    ];
    await takeVariants(store, converted.id);

    const outcomes = await applyChunk(store, rows);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'SUCCEEDED', null], [1, 'FAILED', 'INV_005']]);
    expect(await ctx.sql`select 1 from warehouse_stock where product_id = ${converted.id} and variant_id is null`).toHaveLength(0);
    expect((await ctx.sql`select stock from products_with_stock where id = ${kept.id}`)[0].stock).toBe(14);
  });

  it('on a store without warehouses too', async () => {
    const store = await createTestStore(ctx, 0);
    const [kept, converted] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Converted') returning id`;
    await takeVariants(store, converted.id);
    const outcomes = await applyChunk(store, [
      { rowIndex: 0, payload: { target: 'product', productId: converted.id, variantId: null, placement: { kind: 'product', stock: 3 } } },
      { rowIndex: 1, payload: { target: 'product', productId: kept.id, variantId: null, placement: { kind: 'product', stock: 6 } } },
    ]);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'FAILED', 'INV_005'], [1, 'SUCCEEDED', null]]);
    expect((await ctx.sql`select stock from product_stock where product_id = ${converted.id}`)[0]?.stock ?? 0).toBe(0);
    expect((await ctx.sql`select stock from products_with_stock where id = ${kept.id}`)[0].stock).toBe(6);
  });
});
