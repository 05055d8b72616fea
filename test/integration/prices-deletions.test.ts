import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

describe('PATCH /products/prices', () => {
  it('updates simple products by sku or id and variants by sku; refuses a variant product by id', async () => {
    const store = await createTestStore(ctx, 1);
    await subscribeToAllEvents(ctx, store);
    const [simple] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 's', 'S-1', 'S', 100) returning id`;
    const [parent] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'p', 'P', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, price) values (${store.storeId}, ${parent.id}, 'V-1', 50)`;
    const items = [
      // An id in upper case is the same product (uuids are case-insensitive).
      { id: simple.id.toUpperCase(), price: 120, specialPrice: 99 },
      { sku: 'V-1', price: 55 },
      { id: parent.id, price: 1 },
      { sku: 'NOPE', price: 1 },
      { sku: 'S-1', specialPrice: 500 },
      { sku: 'S-1' },
    ];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/prices', body: { items } });
    expect(res.statusCode).toBe(200);
    const { data } = res.json();
    expect(data.acceptedRows.map((r: any) => [r.rowIndex, r.target])).toEqual([[0, 'product'], [1, 'variant']]);
    expect(data.acceptedRows[0].id).toBe(simple.id);
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[2, 'PRD_040'], [3, 'INV_001'], [4, 'PRD_008'], [5, 'PRD_041']]);
    await waitForBatch(ctx, data.batchId);
    const [p] = await ctx.sql`select price::float8, special_price::float8, version from products where id = ${simple.id}`;
    expect(p).toEqual({ price: 120, special_price: 99, version: 2 });
    const [v] = await ctx.sql`select price::float8 from product_variants where sku = 'V-1' and store_id = ${store.storeId}`;
    expect(v.price).toBe(55);
    const events = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'product.updated'`;
    expect(events.map((e) => e.payload.updatedFields.join(',')).sort()).toEqual(['price', 'price,specialPrice']);
  });
});

describe('POST /products/deletions', () => {
  it('deletes the products with their variants and stock, records it, and refuses unknown ids', async () => {
    const store = await createTestStore(ctx, 1);
    const [a] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'a', 'A', 'A') returning id`;
    const [b] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'b', 'B', true) returning id`;
    const [w] = await ctx.sql`select id from warehouses where store_id = ${store.storeId}`;
    const [v] = await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${b.id}, 'B-1') returning id`;
    await ctx.sql`insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock) values (${store.storeId}, ${b.id}, ${v.id}, ${w.id}, 4)`;
    const other = await createTestStore(ctx, 0);
    const [theirs] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${other.storeId}, 'a', 'A', 'Theirs') returning id`;
    const ids = [a.id, b.id.toUpperCase(), theirs.id, 'not-a-uuid', a.id];
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/deletions', body: { ids } });
    const { data } = res.json();
    expect(data.summary).toEqual({ total: 5, failed: 3, pending: 2 });
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[2, 'PRD_001'], [3, 'VAL_001'], [4, 'PRD_004']]);
    expect(data.acceptedRows.map((r: any) => r.id)).toEqual([a.id, b.id]);
    await waitForBatch(ctx, data.batchId);
    const left = await ctx.sql`select id from products where id = any(${[a.id, b.id, theirs.id]}::uuid[])`;
    expect(left.map((r) => r.id)).toEqual([theirs.id]);
    const [{ n }] = await ctx.sql`select count(*)::int as n from warehouse_stock where product_id = ${b.id}`;
    expect(n).toBe(0);
    const audits = await ctx.sql`select resource_id from audit_events where store_id = ${store.storeId} and action = 'product.deleted' order by resource_id`;
    expect(audits.map((r) => r.resource_id).sort()).toEqual([a.id, b.id].sort());
  });
});
