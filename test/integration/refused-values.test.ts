import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, subscribeToAllEvents, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

/**
 * Values PostgreSQL cannot store were accepted and then failed their batch's chunk in the
 * worker on every attempt: the batch stayed PENDING and its valid rows were never written.
 * They are refused at once now, and what only PostgreSQL can find fails its own row alone.
 */
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const product = (n: number, extra: Record<string, unknown> = {}) => ({
  externalId: `ext-${n}`, name: `Product ${n}`, sku: `SKU-${n}`, price: 1000 + n, ...extra,
});
const sync = (store: TestStore, products: unknown[]) =>
  signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products } });
const batchRows = async (store: TestStore, batchId: string) =>
  (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` })).json().data.rows;

describe('values over what the columns hold', () => {
  it('are refused at accept, row by row, and the valid rows are created', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await sync(store, [
      product(1, { stock: 3_000_000_000 }), product(2, { price: 1e15 }), product(3, { weight: 3e9, minOrder: 2 ** 31 }),
      product(4, { dimensions: { length: 1e9, width: 1, height: 1 } }), product(5, { specialPrice: 1e13 }), product(6, { stock: 2_147_483_647 }),
    ]);
    expect(res.statusCode).toBe(200);
    const { data } = res.json();
    expect(data.summary).toEqual({ total: 6, failed: 5, pending: 1 });
    const errors = Object.fromEntries(data.errors.map((e: any) => [e.rowIndex, [e.code, e.details.context?.validationErrors]]));
    expect(errors[0]).toEqual(['VAL_001', { stock: 'stock must not be greater than 2147483647' }]);
    expect(errors[1]).toEqual(['VAL_001', { price: 'price must not be greater than 9999999999999.99' }]);
    expect(errors[2][1]).toEqual({ weight: 'weight must not be greater than 2147483647', minOrder: 'minOrder must not be greater than 2147483647' });
    expect(errors[3][1]).toEqual({ dimensions: { length: 'length must not be greater than 99999999.99' } });
    expect(errors[4][1]).toEqual({ specialPrice: 'specialPrice must not be greater than 9999999999999.99' });
    expect(await waitForBatch(ctx, data.batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 1, pending: 0 });
    const [created] = await ctx.sql`select sku, stock from products_with_stock where store_id = ${store.storeId}`;
    expect(created).toEqual({ sku: 'SKU-6', stock: 2_147_483_647 });
  });

  it('in a stock update: a row error, not a 500 that loses the request', async () => {
    const store = await createTestStore(ctx, 0);
    expect((await waitForBatch(ctx, (await sync(store, [product(1)])).json().data.batchId)).succeeded).toBe(1);
    const res = await signedInject(ctx, store, {
      method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'SKU-1', stock: 2_147_483_648 }, { sku: 'SKU-1', stock: 5 }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.summary).toEqual({ total: 2, failed: 1, pending: 1 });
    expect(res.json().data.errors[0]).toMatchObject({ rowIndex: 0, code: 'VAL_001' });
    await waitForBatch(ctx, res.json().data.batchId);
    expect((await ctx.sql`select stock from products_with_stock where store_id = ${store.storeId}`)[0].stock).toBe(5);
  });
});

describe('stock whose warehouse rows the row itself sums beyond an integer', () => {
  it('is refused at accept (VAL_001, as a PATCH: the product\'s or variant\'s stock is their sum), on every endpoint that places stock', async () => {
    const store = await createTestStore(ctx, 2);
    const [w1, w2] = store.warehouses;
    const big = [{ clientId: w1.clientId, stock: 2_000_000_000 }, { clientId: w2.clientId, stock: 2_000_000_000 }];
    const reason = (whose: string) => `the ${whose}'s stock over its warehouses would exceed 2147483647`;
    const res = await sync(store, [product(1), product(2, { warehouses: big }), product(3, { stock: 2_147_483_647 })]);
    expect(res.json().data.summary).toEqual({ total: 3, failed: 2, pending: 1 });
    expect(res.json().data.errors.map((e: any) => [e.rowIndex, e.code, e.details.context])).toEqual([
      [1, 'VAL_001', { field: 'warehouses', reason: reason('product') }], [2, 'VAL_001', { field: 'stock', reason: reason('product') }]]);
    expect((await waitForBatch(ctx, res.json().data.batchId)).succeeded).toBe(1);

    const inventory = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'SKU-1', warehouses: big }] } });
    expect(inventory.json().data.errors.map((e: any) => [e.code, e.details.context])).toEqual([['VAL_001', { field: 'warehouses', reason: reason('product') }]]);

    // With variants: one variant's rows, and the product's over its variants (each variant's fits).
    const variants = (items: unknown[]) => ({ externalId: 'vp-1', name: 'Sized', variants: { items } });
    const withVariants = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/with-variants/sync', body: { products: [
      variants([{ sku: 'V-1', price: 1, warehouses: big }]),
      { ...variants([{ sku: 'V-2', price: 1, warehouses: [big[0]] }, { sku: 'V-3', price: 1, warehouses: [big[1]] }]), externalId: 'vp-2' },
    ] } });
    expect(withVariants.json().data.errors.map((e: any) => [e.rowIndex, e.code, e.details.context])).toEqual([
      [0, 'VAL_001', { field: 'variants.items.0.warehouses', reason: reason('variant') }], [1, 'VAL_001', { field: 'variants', reason: reason('product') }]]);
    expect(await ctx.sql`select id from products where store_id = ${store.storeId} and external_id like 'vp-%'`).toEqual([]);
  });
});

describe('a row PostgreSQL refuses in the worker', () => {
  it('fails alone; the rest of its chunk is written and the batch completes', async () => {
    // The product holds 2e9 in one warehouse; an update puts 2e9 in the other: each warehouse's stock fits an integer, their sum (the product's stock) does not.
    const store = await createTestStore(ctx, 2);
    const [w1, w2] = store.warehouses;
    const first = await sync(store, [product(2, { warehouses: [{ clientId: w2.clientId, stock: 2_000_000_000 }] })]);
    expect((await waitForBatch(ctx, first.json().data.batchId)).succeeded).toBe(1);
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'ext-2'`;
    const rows = [product(1), { ...product(2, { warehouses: [{ clientId: w1.clientId, stock: 2_000_000_000 }] }), id }, ...Array.from({ length: 5 }, (_, i) => product(3 + i))];
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/bulk', body: { products: rows } });
    expect(res.json().data.summary).toEqual({ total: 7, failed: 0, pending: 7 });
    const batch = await waitForBatch(ctx, res.json().data.batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 6, failed: 1, pending: 0 });
    const outcomes = await batchRows(store, res.json().data.batchId);
    const refused = outcomes.find((r: any) => r.status === 'FAILED');
    expect(refused).toMatchObject({ rowIndex: 1, code: 'VAL_001', message: 'Validation failed' });
    expect(refused.details.context.reason).toMatch(/out of range/);
    const skus = await ctx.sql`select sku from products where store_id = ${store.storeId} order by sku`;
    expect(skus.map((p) => p.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5', 'SKU-6', 'SKU-7']);
  });
});

describe('a stock row PostgreSQL refuses in the worker', () => {
  it('fails alone; the other rows of its request apply', async () => {
    const store = await createTestStore(ctx, 2);
    const [w1, w2] = store.warehouses;
    expect((await waitForBatch(ctx, (await sync(store, [product(1), product(2, { warehouses: [{ clientId: w2.clientId, stock: 2_000_000_000 }] }), product(3)])).json().data.batchId)).succeeded).toBe(3);
    const items = [
      { sku: 'SKU-1', warehouses: [{ clientId: w1.clientId, stock: 7 }] },
      { sku: 'SKU-2', warehouses: [{ clientId: w1.clientId, stock: 2_000_000_000 }] },
      { sku: 'SKU-3', stock: 4 },
    ];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items } });
    expect(res.json().data.summary).toEqual({ total: 3, failed: 0, pending: 3 });
    expect(await waitForBatch(ctx, res.json().data.batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 1, pending: 0 });
    const refused = (await batchRows(store, res.json().data.batchId)).find((r: any) => r.status === 'FAILED');
    expect(refused).toMatchObject({ rowIndex: 1, code: 'VAL_001' });
    expect(refused.details.context.reason).toMatch(/out of range/);
    const stock = await ctx.sql`select sku, stock from products_with_stock where store_id = ${store.storeId} order by sku`;
    expect(stock.map((p) => [p.sku, p.stock])).toEqual([['SKU-1', 7], ['SKU-2', 2_000_000_000], ['SKU-3', 8]]);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('a lone UTF-16 surrogate is refused with where it is, and nothing is stored', async () => {
    const store = await createTestStore(ctx, 0);
    const body = `{"products":[${JSON.stringify(product(1))},${JSON.stringify(product(2)).replace('"Product 2"', '"half \\ud83d"')}]}`;
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: Buffer.from(body) });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VAL_001']);
    expect(res.json().error.details.context.validationErrors).toEqual({
      products: { 1: { name: 'name must not contain a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair)' } },
    });
    expect(await ctx.sql`select id from batches where store_id = ${store.storeId}`).toEqual([]);
    // Nested 5,000 levels deep: the error names the place down to 32 levels, and is an envelope.
    const deep = `{"products":${'['.repeat(5000)}"x\\u0000"${']'.repeat(5000)}}`;
    const refused = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: Buffer.from(deep) });
    expect([refused.statusCode, refused.json().error.code]).toEqual([400, 'VAL_001']);
    const pair = await sync(store, [product(3, { name: 'smile \ud83d\ude00' })]);
    expect(await waitForBatch(ctx, pair.json().data.batchId)).toMatchObject({ succeeded: 1 });
  });
});

describe('a batch whose every row is refused at accept', () => {
  it('is FAILED at once and still delivers its summary event, as every batch does', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    expect((await waitForBatch(ctx, (await sync(store, [product(1)])).json().data.batchId)).succeeded).toBe(1);
    const again = (await sync(store, [product(1)])).json().data;
    expect(again.summary).toEqual({ total: 1, failed: 1, pending: 0 });
    const stock = (await signedInject(ctx, store, {
      method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'NO-SUCH-SKU', stock: 1 }] },
    })).json().data;
    expect(stock.summary).toEqual({ total: 1, failed: 1, pending: 0 });
    const events = await ctx.sql<{ type: string; payload: any }[]>`
      select type, payload from outbox_events where store_id = ${store.storeId} and type like '%.completed' order by created_at`;
    expect(events.map((e) => [e.type, e.payload.batchId, e.payload.status, e.payload.summary])).toEqual([
      ['catalog.sync.completed', expect.any(String), 'COMPLETED', { total: 1, succeeded: 1, failed: 0 }],
      ['catalog.sync.completed', again.batchId, 'FAILED', { total: 1, succeeded: 0, failed: 1 }],
      ['stock.update.completed', stock.batchId, 'FAILED', { total: 1, succeeded: 0, failed: 1 }],
    ]);
    expect(events[1].payload.completedAt).toEqual(expect.any(String));
  });
});
