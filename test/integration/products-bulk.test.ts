import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import type { Transaction } from '../../src/db/database.js';
import { startTestWorker, waitForBatch, withoutVolatile } from '../helpers/worker.js';
import { seedBody, seedResponses } from '../fixtures/seeds.js';

const URL = '/api/v1/partner/stores/products/bulk';
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

/**
 * Sends rows while `race` writes in a transaction that commits after the accept and before
 * the rows are applied; answers the batch's outcomes as [rowIndex, status, code].
 */
async function acceptedDuring(store: TestStore, rows: unknown[], race: (tx: Transaction) => Promise<unknown>) {
  const batchId = await ctx.sql.begin(async (tx) => {
    await race(tx);
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    expect(res.json().data.errors).toEqual([]);
    return res.json().data.batchId as string;
  });
  await waitForBatch(ctx, batchId);
  const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
  return outcomes.map((o: any) => [o.rowIndex, o.status, o.code ?? null]).sort();
}

/** A store with products X (externalId x, SKU SX) and Y (y, SY), both priced 10. */
async function storeWithXY() {
  const store = await createTestStore(ctx, 0);
  const insert = (key: string) => ctx.sql`insert into products (store_id, external_id, sku, name, price)
    values (${store.storeId}, ${key}, ${`S${key.toUpperCase()}`}, ${key.toUpperCase()}, 10) returning id`;
  const [[x], [y]] = await Promise.all([insert('x'), insert('y')]);
  return { store, x, y };
}

describe('POST /products/bulk (seed 001)', () => {
  it('answers the seed example with the seed response: the existing externalId is PRD_002, the new row is created', async () => {
    const store = await createTestStore(ctx, 1);
    // The seed's warehouse clientId and an existing product with the seed's first externalId.
    await ctx.sql`update warehouses set client_id = '2026012714314318226016' where store_id = ${store.storeId}`;
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'bace66be-47c4-4f72-868c-ad792da8b210', 'OLD-480166', 'Existing')`;
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: seedBody('001') });
    expect(res.statusCode).toBe(200);
    expect(withoutVolatile(res.json())).toEqual(withoutVolatile(seedResponses('001')[0]));
    expect(res.json().data.batchId).toMatch(/^pb_/);

    await waitForBatch(ctx, res.json().data.batchId);
    const [created] = await ctx.sql`select * from products_with_stock where store_id = ${store.storeId} and sku = '480167'`;
    expect(created).toMatchObject({ external_id: '52a3bcfb-62ea-4711-a4c1-b6847a981256', stock: 23, insurance_required: false });
    const ws = await ctx.sql`select stock from warehouse_stock where product_id = ${created.id}`;
    expect(ws.map((w) => w.stock)).toEqual([23]);
    const [existing] = await ctx.sql`select name, sku from products where store_id = ${store.storeId} and external_id = 'bace66be-47c4-4f72-868c-ad792da8b210'`;
    expect(existing).toEqual({ name: 'Existing', sku: 'OLD-480166' });
  });

  it('updates the product a row names by id: only the fields sent, with audit and event', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price, description)
      values (${store.storeId}, 'e-1', 'S-1', 'Old name', 100, 'keep me') returning id`;
    await ctx.sql`update product_stock set stock = 4 where product_id = ${p.id}`;
    // The id in upper case: the same uuid, as the validator and PostgreSQL agree.
    const row = { id: p.id.toUpperCase(), externalId: 'e-1', sku: 'S-1', name: 'New name', price: 150, stock: 9 };
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [row] } });
    expect(res.json().data.summary).toEqual({ total: 1, failed: 0, pending: 1 });
    await waitForBatch(ctx, res.json().data.batchId);
    const [after] = await ctx.sql`select name, price, description, stock, version from products_with_stock where id = ${p.id}`;
    expect(after).toMatchObject({ name: 'New name', description: 'keep me', stock: 9, version: 2 });
    expect(Number(after.price)).toBe(150);
    const [audit] = await ctx.sql`select action, changes from audit_events where resource_id = ${p.id}`;
    expect(audit.action).toBe('product.updated');
    expect(audit.changes.name).toEqual({ before: 'Old name', after: 'New name' });
    expect(audit.changes.stock).toEqual({ before: 4, after: 9 });
    const [event] = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'product.updated'`;
    expect(event.payload.updatedFields.sort()).toEqual(['name', 'price', 'stock']);

    // The same row again finds every value there: it succeeds, and says nothing (no audit, no event).
    const again = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [row] } });
    const batch = await waitForBatch(ctx, again.json().data.batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1 });
    const [{ audits }] = await ctx.sql`select count(*)::int as audits from audit_events where resource_id = ${p.id}`;
    const [{ events }] = await ctx.sql`select count(*)::int as events from outbox_events where store_id = ${store.storeId} and type = 'product.updated'`;
    expect([audits, events]).toEqual([1, 1]);
  });

  it('refuses an id that is not that product (PRD_005), a sku owned by another product (PRD_003), a sku twice (PRD_004)', async () => {
    const store = await createTestStore(ctx, 0);
    const [a] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'a', 'SA', 'A') returning id`;
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'b', 'SB', 'B')`;
    const rows = [
      { id: a.id, externalId: 'b', sku: 'SA', name: 'x', price: 1 },
      { id: a.id, externalId: 'a', sku: 'SB', name: 'x', price: 1 },
      { externalId: 'c', sku: 'SB', name: 'x', price: 1 },
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    expect(res.json().data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[0, 'PRD_005'], [1, 'PRD_003'], [2, 'PRD_004']]);
    expect(res.json().data.errors[0].details.context).toEqual({ id: a.id, reason: 'the product\'s externalId is "a", not the row\'s' });
    const names = await ctx.sql`select name from products where store_id = ${store.storeId} order by name`;
    expect(names.map((n) => n.name)).toEqual(['A', 'B']);
  });

  it('fails only the update whose SKU another request took after accept (PRD_003); the chunk\'s other rows apply', async () => {
    const { store, x, y } = await storeWithXY();
    const rows = [
      { id: x.id, externalId: 'x', sku: 'RACE-1', name: 'X renamed', price: 10 },
      { id: y.id, externalId: 'y', sku: 'SY', name: 'Y renamed', price: 20 },
      { externalId: 'z', sku: 'SZ', name: 'Z', price: 5 },
    ];
    // Another request creates RACE-1 while this one is accepted: it commits before the rows are applied.
    const outcomes = await acceptedDuring(store, rows, (tx) => tx`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'race', 'RACE-1', 'Racer')`);
    expect(outcomes).toEqual([[0, 'FAILED', 'PRD_003'], [1, 'SUCCEEDED', null], [2, 'SUCCEEDED', null]]);
    const names = await ctx.sql`select sku, name, price::float8 from products where store_id = ${store.storeId} order by sku`;
    expect(names.map((n) => [n.sku, n.name, n.price])).toEqual([['RACE-1', 'Racer', null], ['SX', 'X', 10], ['SY', 'Y renamed', 20], ['SZ', 'Z', 5]]);
  });

  it("fails only the update whose SKU a variant took after accept (PRD_003); the chunk's other rows apply", async () => {
    const { store, x, y } = await storeWithXY();
    const rows = [
      { id: x.id, externalId: 'x', sku: 'SX', name: 'X renamed', price: 10 },
      { id: y.id, externalId: 'y', sku: 'VSKU', name: 'Y renamed', price: 20 },
    ];
    // A variant takes VSKU while this request is accepted: the SKU trigger (0085) refuses the update.
    const outcomes = await acceptedDuring(store, rows, async (tx) => {
      const [parent] = await tx`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'parent', 'Parent', true) returning id`;
      await tx`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${parent.id}, 'VSKU')`;
    });
    expect(outcomes).toEqual([[0, 'SUCCEEDED', null], [1, 'FAILED', 'PRD_003']]);
    const names = await ctx.sql`select sku, name from products where store_id = ${store.storeId} and sku is not null order by sku`;
    expect(names.map((n) => [n.sku, n.name])).toEqual([['SX', 'X renamed'], ['SY', 'Y']]);
  });

  it('refuses an update whose price would not stay above the stored specialPrice (PRD_008), as PATCH does', async () => {
    const store = await createTestStore(ctx, 0);
    const insert = (key: string, specialPrice: number | null) => ctx.sql`insert into products (store_id, external_id, sku, name, price, special_price)
      values (${store.storeId}, ${key}, ${key.toUpperCase()}, ${key}, 5000, ${specialPrice}) returning id`;
    const [[a], [b], [c], [d]] = await Promise.all([insert('a', 4000), insert('b', 4000), insert('c', 4000), insert('d', null)]);
    const rows = [
      { id: a.id, externalId: 'a', sku: 'A', name: 'a', price: 3000 },
      { id: b.id, externalId: 'b', sku: 'B', name: 'b', price: 3000, specialPrice: null },
      { id: c.id, externalId: 'c', sku: 'C', name: 'c', price: 3000, specialPrice: 2000 },
      { id: d.id, externalId: 'd', sku: 'D', name: 'd', price: 3000 },
    ];
    // Another writer gives d a specialPrice of 4000 after accept time, before the rows are applied.
    const { data } = await ctx.sql.begin(async (tx) => {
      await tx`update products set special_price = 4000 where id = ${d.id}`;
      return (await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } })).json();
    });
    expect(data.errors.map((e: any) => [e.rowIndex, e.code, e.details.context])).toEqual([[0, 'PRD_008', { price: 3000, specialPrice: 4000 }]]);
    await waitForBatch(ctx, data.batchId);
    const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${data.batchId}`;
    expect(outcomes.map((o: any) => [o.rowIndex, o.status, o.code ?? null]).sort())
      .toEqual([[0, 'FAILED', 'PRD_008'], [1, 'SUCCEEDED', null], [2, 'SUCCEEDED', null], [3, 'FAILED', 'PRD_008']]);
    const prices = await ctx.sql`select sku, price::float8, special_price::float8 from products where store_id = ${store.storeId} order by sku`;
    expect(prices.map((p) => [p.sku, p.price, p.special_price])).toEqual([['A', 5000, 4000], ['B', 3000, null], ['C', 3000, 2000], ['D', 5000, 4000]]);
  });

  it('tracks a batch by batchId and by requestId, with paginated rows', async () => {
    const store = await createTestStore(ctx, 0);
    const rows = Array.from({ length: 5 }, (_, n) => ({ externalId: `t-${n}`, sku: `T-${n}`, name: `T ${n}`, price: 10 }));
    rows.push({ externalId: 't-0', sku: 'T-X', name: 'dup', price: 1 });
    const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: rows } });
    const { batchId } = res.json().data;
    await waitForBatch(ctx, batchId);
    const byId = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}?page=2&limit=4` });
    expect(byId.statusCode).toBe(200);
    const view = byId.json();
    expect(view.data).toMatchObject({ batchId, status: 'COMPLETED', summary: { total: 6, succeeded: 5, failed: 1, pending: 0 } });
    expect(view.data.rows.map((r: any) => [r.rowIndex, r.status, r.code])).toEqual([[4, 'SUCCEEDED', null], [5, 'FAILED', 'PRD_004']]);
    expect(view.data.rows[0].result).toMatchObject({ externalId: 't-4', sku: 'T-4', action: 'created' });
    expect(view.meta.pagination).toEqual({ page: 2, limit: 4, total: 6, totalPages: 2 });
    const upper = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId.toUpperCase()}` });
    expect(upper.json().data.batchId).toBe(batchId);
    const byRequest = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/requests/${res.json().requestId.toUpperCase()}` });
    expect(byRequest.json().data.batchId).toBe(batchId);
    const alias = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/requests/${res.json().requestId}` });
    expect(alias.json().data.batchId).toBe(batchId);
    const catalog = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/catalog/${batchId.toUpperCase()}` });
    expect(catalog.json().data.summary).toEqual({ total: 6, succeeded: 5, failed: 1, pending: 0 });

    const other = await createTestStore(ctx, 0);
    const hidden = await signedInject(ctx, other, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('BAT_001');
  });

  it('answers a malformed requestId or batchId like an unknown one: 404, not a validation error', async () => {
    const store = await createTestStore(ctx, 0);
    const get = async (path: string) => {
      const res = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/${path}` });
      return [res.statusCode, res.json().error.code];
    };
    expect(await get('requests/abc')).toEqual([404, 'BAT_002']);
    expect(await get('batches/requests/abc')).toEqual([404, 'BAT_002']);
    expect(await get(`requests/${crypto.randomUUID()}`)).toEqual([404, 'BAT_002']);
    // (A path parameter over 100 characters never reaches a route: the router answers 414.)
    expect(await get(`batches/${'x'.repeat(100)}`)).toEqual([404, 'BAT_001']);
    expect(await get('catalog/abc')).toEqual([404, 'BAT_001']);
    expect(await get('batches/abc')).toEqual([404, 'BAT_001']);
  });
});
