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
      { sku: 'S-1', id: simple.id, price: 1 },
      { id: '00000000-0000-4000-8000-000000000000', price: 1 },
      { sku: 'S-1', price: -1 },
    ];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/prices', body: { items } });
    expect(res.statusCode).toBe(200);
    const { data } = res.json();
    expect(data.acceptedRows.map((r: any) => [r.rowIndex, r.target])).toEqual([[0, 'product'], [1, 'variant']]);
    // Rows queued: dispatch. Every row refused: the batch ended at once, nothing queued (it said true).
    expect(res.json().meta.dispatch).toBe(true);
    const refusedAll = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/prices', body: { items: [{ sku: 'NOPE', price: 1 }] } });
    expect([refusedAll.json().data.summary, refusedAll.json().meta.dispatch]).toEqual([{ total: 1, failed: 1, pending: 0 }, false]);
    expect(data.acceptedRows[0].id).toBe(simple.id);
    // A variant's row names its product, and the variant by its sku (as PATCH /inventory's, seed 002).
    expect(data.acceptedRows[1]).toEqual({ rowIndex: 1, target: 'variant', id: parent.id, externalId: 'p', sku: 'V-1' });
    expect(data.acceptedRows[0]).toEqual({ rowIndex: 0, target: 'product', id: simple.id, externalId: 's', sku: 'S-1' });
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[2, 'PRD_040'], [3, 'INV_001'], [4, 'PRD_008'], [5, 'PRD_041'], [6, 'INV_004'], [7, 'PRD_001'], [8, 'VAL_001']]);
    // Each says why, and names what the row sent, as PATCH /inventory's refusals do (seed 002).
    const why = Object.fromEntries(data.errors.map((e: any) => [e.rowIndex, { sku: e.sku, id: e.id, context: e.details.context }]));
    expect(why[2]).toEqual({ sku: undefined, id: parent.id, context: { id: parent.id } });
    expect(why[3]).toEqual({ sku: 'NOPE', id: undefined, context: { reason: 'Product SKU not found' } });
    expect(why[6]).toEqual({ sku: 'S-1', id: simple.id, context: { given: ['sku', 'id'] } });
    expect(why[7]).toEqual({ sku: undefined, id: '00000000-0000-4000-8000-000000000000', context: { reason: 'Product ID not found' } });
    expect(why[8]).toEqual({ sku: 'S-1', id: undefined, context: { validationErrors: { price: expect.any(String) } } });
    await waitForBatch(ctx, data.batchId);
    const [p] = await ctx.sql`select price::float8, special_price::float8, version from products where id = ${simple.id}`;
    expect(p).toEqual({ price: 120, special_price: 99, version: 2 });
    const [v] = await ctx.sql`select price::float8 from product_variants where sku = 'V-1' and store_id = ${store.storeId}`;
    expect(v.price).toBe(55);
    const events = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'product.updated'`;
    expect(events.map((e) => e.payload.updatedFields.join(',')).sort()).toEqual(['price', 'price,specialPrice']);

    // Prices already there (120.001 is stored 120.00): the row succeeds, writes nothing and says
    // nothing; beside a new special price, only that is named.
    const same = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/prices',
      body: { items: [{ sku: 'S-1', price: 120.001, specialPrice: 99 }, { sku: 'V-1', price: 55, specialPrice: 50 }] } });
    await waitForBatch(ctx, same.json().data.batchId);
    expect(await outcomesOf(same.json().data.batchId)).toEqual([[0, 'SUCCEEDED', null], [1, 'SUCCEEDED', null]]);
    const [unchanged] = await ctx.sql`select version from products where id = ${simple.id}`;
    expect(unchanged.version).toBe(2);
    const later = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'product.updated' order by created_at`;
    expect(later.slice(2).map((e) => e.payload.updatedFields)).toEqual([['specialPrice']]);
  });
});

const PRICES = '/api/v1/partner/stores/products/prices';
const outcomesOf = async (batchId: string) => {
  const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
  return (outcomes as any[]).map((o) => [o.rowIndex, o.status, o.code ?? null]).sort((a, b) => a[0] - b[0]);
};
const pricesOf = async (kind: 'product' | 'variant', sku: string, storeId: string) => {
  const table = kind === 'variant' ? ctx.sql`product_variants` : ctx.sql`products`;
  const [r] = await ctx.sql`select price::float8, special_price::float8 from ${table} where store_id = ${storeId} and sku = ${sku}`;
  return r;
};

describe('PATCH /products/prices: several rows for one target', () => {
  it('applies them in request order, by sku or id alike: later fields override, omitted ones keep the earlier row\'s', async () => {
    const store = await createTestStore(ctx, 1);
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 'pr', 'PR-1', 'P', 100) returning id`;
    const [p2] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 'pr2', 'PR-2', 'P2', 100) returning id`;
    const [parent] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'pv', 'PV', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, price) values (${store.storeId}, ${parent.id}, 'PV-1', 50)`;
    const items = [
      { sku: 'PR-1', specialPrice: 90 }, { sku: 'PR-1', price: 200 },
      { sku: 'PR-2', specialPrice: 90 }, { id: p2.id, price: 300 },
      { sku: 'PV-1', price: 80 }, { sku: 'PV-1', specialPrice: 70 },
    ];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items } });
    expect(res.json().data.errors).toEqual([]);
    await waitForBatch(ctx, res.json().data.batchId);
    expect(await outcomesOf(res.json().data.batchId)).toEqual(items.map((_, i) => [i, 'SUCCEEDED', null]));
    expect(await pricesOf('product', 'PR-1', store.storeId)).toEqual({ price: 200, special_price: 90 });
    expect(await pricesOf('product', 'PR-2', store.storeId)).toEqual({ price: 300, special_price: 90 });
    expect(await pricesOf('variant', 'PV-1', store.storeId)).toEqual({ price: 80, special_price: 70 });
    const [{ version }] = await ctx.sql`select version from products where id = ${p.id}`;
    expect(version).toBe(2);
  });

  it('checks specialPrice < price on the result of the rows before: a row that breaks it fails alone', async () => {
    const store = await createTestStore(ctx, 1);
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 'pr', 'PR-1', 'P', 100) returning id`;
    const items = [
      { sku: 'PR-1', price: 200 }, { sku: 'PR-1', specialPrice: 150 }, { id: p.id, price: 120 }, { sku: 'PR-1', specialPrice: 180 },
    ];
    const res = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items } });
    const { data } = res.json();
    expect(data.errors.map((e: any) => [e.rowIndex, e.code, e.details.context])).toEqual([[2, 'PRD_008', { price: 120, specialPrice: 150 }]]);
    await waitForBatch(ctx, data.batchId);
    expect(await outcomesOf(data.batchId)).toEqual([[0, 'SUCCEEDED', null], [1, 'SUCCEEDED', null], [2, 'FAILED', 'PRD_008'], [3, 'SUCCEEDED', null]]);
    expect(await pricesOf('product', 'PR-1', store.storeId)).toEqual({ price: 200, special_price: 180 });
  });

  it('checks the rows again on the prices found when they are applied: a row the change since broke fails, the rest apply', async () => {
    const store = await createTestStore(ctx, 1);
    await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 'pr', 'PR-1', 'P', 100)`;
    const items = [{ sku: 'PR-1', specialPrice: 80 }, { sku: 'PR-1', price: 120 }];
    // Another writer holds the product while the rows are accepted, and lowers its price before the worker gets it.
    const batchId = await ctx.sql.begin(async (tx) => {
      await tx`select id from products where store_id = ${store.storeId} and sku = 'PR-1' for update`;
      const res = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items } });
      expect(res.json().data.errors).toEqual([]);
      await tx`update products set price = 50 where store_id = ${store.storeId} and sku = 'PR-1'`;
      return res.json().data.batchId as string;
    });
    await waitForBatch(ctx, batchId);
    expect(await outcomesOf(batchId)).toEqual([[0, 'FAILED', 'PRD_008'], [1, 'SUCCEEDED', null]]);
    // Named by its sku, as sent.
    const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
    expect(outcomes.find((o: any) => o.rowIndex === 0).details).toMatchObject({ sku: 'PR-1' });
    expect(await pricesOf('product', 'PR-1', store.storeId)).toEqual({ price: 120, special_price: null });
  });

  it('refuses a special price for a product without a price, at once and when applied (a PATCH refuses it: review)', async () => {
    const store = await createTestStore(ctx, 0);
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'np', 'NP-1', 'No price'), (${store.storeId}, 'lp', 'LP-1', 'Loses price')`;
    await ctx.sql`update products set price = 10 where store_id = ${store.storeId} and sku = 'LP-1'`;
    // Another writer holds LP-1 while the rows are accepted, and takes its price away (as a product
    // made simple again) before the worker gets them: the row fails when applied.
    const res = await ctx.sql.begin(async (tx) => {
      await tx`select id from products where store_id = ${store.storeId} and sku = 'LP-1' for update`;
      const accepted = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items: [{ sku: 'NP-1', specialPrice: 5 }, { sku: 'LP-1', specialPrice: 5 }] } });
      await tx`update products set price = null where store_id = ${store.storeId} and sku = 'LP-1'`;
      return accepted;
    });
    expect(res.json().data.errors.map((e: any) => [e.rowIndex, e.code, e.details.context])).toEqual([
      [0, 'VAL_001', { validationErrors: { specialPrice: 'specialPrice needs a price: the product has none, send price with it' } }]]);
    await waitForBatch(ctx, res.json().data.batchId);
    expect(await outcomesOf(res.json().data.batchId)).toEqual([[0, 'FAILED', 'VAL_001'], [1, 'FAILED', 'VAL_001']]);
    expect(await pricesOf('product', 'LP-1', store.storeId)).toEqual({ price: null, special_price: null });
    const both = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items: [{ sku: 'NP-1', price: 9, specialPrice: 5 }] } });
    expect(both.json().data.errors).toEqual([]);
  });

  it('fails a row whose product took variants since it was accepted (PRD_040): a product with variants has no price', async () => {
    const store = await createTestStore(ctx, 1);
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 'pv', 'PV-9', 'P', 100) returning id`;
    const batchId = await ctx.sql.begin(async (tx) => {
      await tx`select id from products where id = ${p.id} for update`;
      const res = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items: [{ id: p.id, price: 120 }] } });
      expect(res.json().data.errors).toEqual([]);
      // As a PATCH with a variant set does it (product-variant-update.ts), before the worker gets the row.
      await tx`update products set has_variants = true, sku = null, price = null, special_price = null where id = ${p.id}`;
      await tx`insert into product_variants (store_id, product_id, sku, price) values (${store.storeId}, ${p.id}, 'PV-9', 100)`;
      return res.json().data.batchId as string;
    });
    await waitForBatch(ctx, batchId);
    expect(await outcomesOf(batchId)).toEqual([[0, 'FAILED', 'PRD_040']]);
    const [row] = await ctx.sql`select price, special_price from products where id = ${p.id}`;
    expect(row).toEqual({ price: null, special_price: null });
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
    // Each names the id it sent, the one that is not a uuid too.
    expect(data.errors.map((e: any) => e.id)).toEqual([theirs.id, 'not-a-uuid', a.id]);
    expect(data.errors.map((e: any) => e.details.context)).toEqual([
      { reason: 'Product ID not found' }, { validationErrors: { id: 'each value in ids must be a UUID' } }, { field: 'id' }]);
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

describe('a price or deletion row whose product another request deleted after acceptance', () => {
  it('fails PRD_001, saying so, named by the identifier it was sent with (as a row refused at once)', async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${store.storeId}, 'gone', 'GONE-1', 'G', 100) returning id`;
    // The deletion commits after both requests were accepted, before the worker gets their rows.
    const batchIds = await ctx.sql.begin(async (tx) => {
      await tx`delete from products where id = ${p.id}`;
      const prices = await signedInject(ctx, store, { method: 'PATCH', url: PRICES, body: { items: [{ id: p.id.toUpperCase(), price: 120 }] } });
      const deletions = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/deletions', body: { ids: [p.id.toUpperCase()] } });
      return [prices, deletions].map((res) => { expect(res.json().data.errors).toEqual([]); return res.json().data.batchId as string; });
    });
    const rows = await Promise.all(batchIds.map(async (batchId) => {
      await waitForBatch(ctx, batchId);
      return (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` })).json().data.rows;
    }));
    expect(rows.map(([r]) => [r.status, r.code, r.details])).toEqual([
      ['FAILED', 'PRD_001', { id: p.id.toUpperCase(), context: { reason: 'Deleted before the update was applied' } }],
      // As sent, in upper case, as the price row's (it came back lower-cased: QA).
      ['FAILED', 'PRD_001', { id: p.id.toUpperCase(), context: { reason: 'Already deleted' } }],
    ]);
    // Refused at once likewise.
    const unknown = '01A24C2C-31D0-718F-8286-1143F3526F6D';
    const refused = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/deletions', body: { ids: [unknown] } });
    expect(refused.json().data.errors.map((e: any) => [e.code, e.id])).toEqual([['PRD_001', unknown]]);
  });
});

describe('a prices or deletions body whose every row fails its schema', () => {
  it('is VAL_001 as a whole, per row, and stores no batch (as catalog sync, products bulk and inventory)', async () => {
    const store = await createTestStore(ctx, 0);
    const prices = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/prices', body: { items: [{ sku: 'A', price: -1 }, { sku: 'B', colour: 'red' }] } });
    expect([prices.statusCode, prices.json().error.code]).toEqual([400, 'VAL_001']);
    expect(prices.json().error.details.context.validationErrors).toEqual({ items: {
      0: { price: 'price must not be less than 0' }, 1: { colour: 'property colour should not exist' },
    } });
    const deletions = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/deletions', body: { ids: ['nope', 7] } });
    expect([deletions.statusCode, deletions.json().error.code]).toEqual([400, 'VAL_001']);
    expect(deletions.json().error.details.context.validationErrors).toEqual({ ids: { 0: 'each value in ids must be a UUID', 1: 'each value in ids must be a UUID' } });
    expect(await ctx.sql`select id from batches where store_id = ${store.storeId}`).toEqual([]);
  });
});
