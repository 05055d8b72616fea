import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

/** Each variant of the product: SKU, stock, active. */
const variantStock = async (productId: string) => (await ctx.sql<{ sku: string; stock: number; is_active: boolean }[]>`
  select sku, stock, is_active from product_variants where product_id = ${productId} order by sku`).map((v) => [v.sku, v.stock, v.is_active]);

/** The store's variants whose stock is not the sum of their warehouse rows, and products whose total is not their active variants' sum. */
const stockMismatches = (storeId: string) => ctx.sql`
  select 'variant' as kind, v.sku as key from product_variants v
    where v.store_id = ${storeId} and v.stock <> (select coalesce(sum(w.stock), 0) from warehouse_stock w where w.store_id = v.store_id and w.variant_id = v.id)
  union all
  select 'product', p.external_id from products p join product_stock s on s.store_id = p.store_id and s.product_id = p.id
    where p.store_id = ${storeId} and p.has_variants
      and s.stock <> (select coalesce(sum(v.stock), 0) from product_variants v where v.store_id = p.store_id and v.product_id = p.id and v.is_active)`;

const SYNC = '/api/v1/partner/stores/catalog/with-variants/sync';
const BULK = '/api/v1/partner/stores/products/with-variants/bulk';

describe('products with variants through the pipeline', () => {
  it('creates parents and variants with the warehouse rules, and answers bad rows at once', async () => {
    const store = await createTestStore(ctx, 2);
    const [w1, w2] = store.warehouses.map((w) => w.clientId).sort();
    const products = [
      { externalId: 'tee', name: 'Tee', description: 'A tee', variants: { items: [
        { sku: 'TEE-R', options: { Colour: 'Red' }, price: 10, stock: 3 },
        { sku: 'TEE-B', options: { Colour: 'Blue' }, price: 12, specialPrice: 11, warehouses: [{ clientId: w1, stock: 7 }] },
      ] } },
      { externalId: 'bad', name: 'Bad', price: 5, variants: { items: [{ sku: 'BAD-1' }] } },
      { externalId: 'dup', name: 'Dup', variants: { items: [{ sku: 'TEE-R', price: 1 }] } },
      { externalId: 'nostock', name: 'No stock', variants: { items: [{ sku: 'NS-1', price: 1, warehouses: [{ clientId: w2 }] }] } },
      // A row's items are named by sku: an item's id (a PATCH variant set's) was taken and ignored.
      { externalId: 'withid', name: 'With id', variants: { items: [{ id: '8ae500ea-9b4d-4edb-a18f-b99f1d4aa955', sku: 'WI-1', price: 1, stock: 1 }] } },
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products } });
    expect(res.statusCode).toBe(200);
    const { data } = res.json();
    expect(data.acceptedRows).toEqual([{ rowIndex: 0, externalId: 'tee', skus: ['TEE-R', 'TEE-B'] }]);
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[1, 'VAL_001'], [2, 'PRD_004'], [3, 'WHS_006'], [4, 'VAL_001']]);
    expect(data.errors[0].details.context.validationErrors).toEqual({ price: 'property price should not exist' });
    expect(data.errors[3].details.context.validationErrors).toEqual({ variants: { items: { 0: { id: 'property id should not exist' } } } });
    expect(data.errors[2].details.context).toMatchObject({ clientId: w2 });
    await waitForBatch(ctx, data.batchId);
    const [p] = await ctx.sql`select id, has_variants, stock, sku, price from products_with_stock where store_id = ${store.storeId} and external_id = 'tee'`;
    expect(p).toMatchObject({ has_variants: true, stock: 13, sku: null, price: null });
    const rows = await ctx.sql`
      select v.sku, w.client_id, ws.stock from warehouse_stock ws join product_variants v on v.id = ws.variant_id
      join warehouses w on w.id = ws.warehouse_id where ws.product_id = ${p.id} order by 1, 2`;
    expect(rows.map((r) => [r.sku, r.client_id, r.stock])).toEqual([['TEE-B', w1, 7], ['TEE-R', w1, 3], ['TEE-R', w2, 3]]);
    // New variants are inserted with their stock (0117), not updated by their warehouse rows after.
    expect(await variantStock(p.id)).toEqual([['TEE-B', 7, true], ['TEE-R', 6, true]]);
    expect(await stockMismatches(store.storeId)).toEqual([]);

    // Updating by id (in upper case: the same uuid): variants matched by sku, the missing one deactivated, a new one created.
    const update = [{ id: p.id.toUpperCase(), externalId: 'tee', name: 'Tee v2', variants: { items: [
      { sku: 'TEE-R', options: { Colour: 'Red' }, price: 9 }, { sku: 'TEE-G', options: { Colour: 'Green' }, price: 9, stock: 1 },
    ] } }];
    const res2 = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: update } });
    expect(res2.json().data.summary).toEqual({ total: 1, failed: 0, pending: 1 });
    await waitForBatch(ctx, res2.json().data.batchId);
    const variants = await ctx.sql`select sku, is_active, price::float8 as price from product_variants where product_id = ${p.id} order by sku`;
    expect(variants).toEqual([
      { sku: 'TEE-B', is_active: false, price: 12 }, { sku: 'TEE-G', is_active: true, price: 9 }, { sku: 'TEE-R', is_active: true, price: 9 },
    ]);
    const [after] = await ctx.sql`select name, stock from products_with_stock where id = ${p.id}`;
    expect(after).toEqual({ name: 'Tee v2', stock: 8 });
    // TEE-R kept its rows (no stock in the update), TEE-G is new with 1 in each warehouse, TEE-B deactivated keeps its 7.
    expect(await variantStock(p.id)).toEqual([['TEE-B', 7, false], ['TEE-G', 2, true], ['TEE-R', 6, true]]);
    // Its audit event says what the row changed, as every update's does (it named the SKUs sent, nothing of what changed).
    const [audited] = await ctx.sql`select changes from audit_events where store_id = ${store.storeId} and action = 'product.updated' and resource_id = ${p.id}`;
    expect(audited.changes).toEqual({
      externalId: 'tee', name: { before: 'Tee', after: 'Tee v2' }, batchId: res2.json().data.batchId,
      variants: { created: ['TEE-G'], deactivated: ['TEE-B'], updated: { 'TEE-R': { price: { before: 10, after: 9 } } } },
    });
    // A new variant and an existing one's rows in one chunk: TEE-G's through 0117's path, TEE-R's upserted.
    const res3 = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [{ id: p.id, externalId: 'tee', name: 'Tee v3', variants: { items: [
      { sku: 'TEE-R', options: { Colour: 'Red' }, price: 9, warehouses: [{ clientId: w1, stock: 10 }] },
      { sku: 'TEE-G', options: { Colour: 'Green' }, price: 9 },
      { sku: 'TEE-Y', options: { Colour: 'Yellow' }, price: 9, warehouses: [{ clientId: w2, stock: 4 }] },
    ] } }] } });
    await waitForBatch(ctx, res3.json().data.batchId);
    expect(await variantStock(p.id)).toEqual([['TEE-B', 7, false], ['TEE-G', 2, true], ['TEE-R', 13, true], ['TEE-Y', 4, true]]);
    expect((await ctx.sql`select stock from products_with_stock where id = ${p.id}`)[0].stock).toBe(19);
    expect(await stockMismatches(store.storeId)).toEqual([]);
  });

  it('writes each variant item\'s prices whole: a stored specialPrice never outlives a lower new price', async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'v', 'V', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, price, special_price)
      values (${store.storeId}, ${p.id}, 'V-1', 5000, 4000), (${store.storeId}, ${p.id}, 'V-2', 5000, 4000)`;
    const row = (items: unknown[]) => ({ id: p.id, externalId: 'v', name: 'V', variants: { items } });
    const refused = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [row([{ sku: 'V-1', price: 3000, specialPrice: 4000 }])] } });
    expect(refused.json().data.errors.map((e: any) => e.code)).toEqual(['PRD_008']);
    const res = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [row([{ sku: 'V-1', price: 3000 }, { sku: 'V-2', price: 3000, specialPrice: 2500 }])] } });
    await waitForBatch(ctx, res.json().data.batchId);
    const variants = await ctx.sql`select sku, price::float8, special_price::float8 from product_variants where product_id = ${p.id} order by sku`;
    expect(variants.map((v) => [v.sku, v.price, v.special_price])).toEqual([['V-1', 3000, null], ['V-2', 3000, 2500]]);
  });

  it('refuses variant stock on a store without warehouses and SKUs of other products', async () => {
    const store = await createTestStore(ctx, 0);
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'simple', 'TAKEN', 'Simple')`;
    const products = [
      { externalId: 'a', name: 'A', variants: { items: [{ sku: 'A-1', price: 1, stock: 2 }] } },
      { externalId: 'b', name: 'B', variants: { items: [{ sku: 'TAKEN', price: 1 }] } },
      { externalId: 'c', name: 'C', variants: { items: [{ sku: 'C-1', price: 1 }] } },
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products } });
    const { data } = res.json();
    expect(data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[0, 'WHS_005'], [1, 'PRD_003']]);
    await waitForBatch(ctx, data.batchId);
    const names = await ctx.sql`select external_id from products where store_id = ${store.storeId} order by 1`;
    expect(names.map((n) => n.external_id)).toEqual(['c', 'simple']);
  });
});
