import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
// The processors processBatch runs (the worker's task list loads them).
import '../../src/catalog/product-batches.js';
import '../../src/catalog/price-batches.js';
import '../../src/catalog/variant-product-batches.js';
import '../../src/inventory/stock-batches.js';

// A product's fields are the last accepted request's, whatever job runs last (0125's field_runs), as
// its stock is (stock-acceptance-order.test.ts). Before, 20 price requests sent one after another
// ended at the 19th's prices when two batches ran at once; a batch's job that failed and ran again
// later overwrote every request accepted meanwhile.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const BULK = '/api/v1/partner/stores/products/bulk';
const PRICES = '/api/v1/partner/stores/products/prices';

const { accept, run } = batchOrderHelpers(() => ctx);
const { patch, simpleProduct } = productPatchHelpers(() => ctx);
const fieldsOf = async (id: string) => (await ctx.sql`
  select name, description, price::float8, special_price::float8, version from products where id = ${id}`)[0];

describe('product fields keep acceptance order', () => {
  it('a products/bulk row applied after a later-accepted one writes only the fields the later one did not', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'F-1');
    const row = { id, externalId: 'ext-F-1', sku: 'F-1' };
    const earlier = await accept(store, 'POST', BULK, { products: [{ ...row, name: 'Earlier', price: 10, description: 'from the earlier row' }] });
    const later = await accept(store, 'POST', BULK, { products: [{ ...row, name: 'Later', price: 20 }] });
    await run(store, later);
    expect((await run(store, earlier)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect(await fieldsOf(id)).toMatchObject({ name: 'Later', price: 20, description: 'from the earlier row' });
    // One whose every field a later row set writes nothing: no new version.
    const versionBefore = (await fieldsOf(id)).version;
    const superseded = await accept(store, 'POST', BULK, { products: [{ ...row, name: 'Superseded', price: 11 }] });
    const newer = await accept(store, 'POST', BULK, { products: [{ ...row, name: 'Newer', price: 21 }] });
    await run(store, newer);
    await run(store, superseded);
    expect(await fieldsOf(id)).toMatchObject({ name: 'Newer', price: 21, version: versionBefore + 1 });
    // Applied in order, the later row still wins, as ever.
    const third = await accept(store, 'POST', BULK, { products: [{ ...row, name: 'Third', price: 30 }] });
    await run(store, third);
    expect(await fieldsOf(id)).toMatchObject({ name: 'Third', price: 30, description: 'from the earlier row' });
  });

  it('a products/bulk or price row accepted before a PATCH and applied after it leaves the fields the PATCH set', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'F-3');
    const bulk = await accept(store, 'POST', BULK, { products: [{ id, externalId: 'ext-F-3', sku: 'F-3', name: 'Bulk', price: 10, description: 'from the bulk row' }] });
    const prices = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-3', price: 11, specialPrice: 9 }] });
    expect((await patch(store, id, { name: 'Patched', price: 99 })).statusCode).toBe(200);
    await run(store, bulk);
    await run(store, prices);
    expect(await fieldsOf(id)).toMatchObject({ name: 'Patched', price: 99, special_price: 9, description: 'from the bulk row' });
  });

  it('a PATCH sending values already there still holds them against earlier-accepted batches applied after it', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'F-4');
    await ctx.sql`update product_stock set stock = 3 where product_id = ${id}`;
    const prices = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-4', price: 50 }] });
    const stock = await accept(store, 'PATCH', '/api/v1/partner/stores/inventory', { items: [{ sku: 'F-4', stock: 10 }] });
    const bulk = await accept(store, 'POST', BULK, { products: [{ id, externalId: 'ext-F-4', sku: 'F-4', name: 'Bulk', price: 60, description: 'bulk' }] });
    // Nothing changes (price 100 and stock 3 are there): 200, no new version, yet it holds them.
    const same = await patch(store, id, { price: 100, stock: 3 });
    expect(same.json().data, same.body).toMatchObject({ updatedFields: [] });
    expect((await fieldsOf(id)).version).toBe(1);
    // Something changes, something is resent: both hold.
    expect((await patch(store, id, { description: 'patched', name: 'Product' })).json().data.updatedFields).toEqual(['description']);
    for (const batch of [prices, stock, bulk]) await run(store, batch);
    expect(await fieldsOf(id)).toMatchObject({ name: 'Product', price: 100, description: 'patched' });
    const [{ stock: total }] = await ctx.sql`select stock from products_with_stock where id = ${id}`;
    expect(total).toBe(3);
  });

  it('a variant\'s prices keep acceptance order between price rows and with-variants rows', async () => {
    const store = await createTestStore(ctx, 1);
    const [{ clientId }] = store.warehouses;
    const VARIANTS = '/api/v1/partner/stores/products/with-variants/bulk';
    const row = (id: string | undefined, price: number) => ({ ...(id ? { id } : {}), externalId: 'fvx', name: 'FVX',
      variants: { items: [{ sku: 'FVX-1', options: { Size: 'M' }, price, warehouses: [{ clientId, stock: 1 }] }] } });
    await run(store, await accept(store, 'POST', VARIANTS, { products: [row(undefined, 10)] }));
    const [parent] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'fvx'`;
    const variantPrice = async () => (await ctx.sql`select price::float8 from product_variants where store_id = ${store.storeId} and sku = 'FVX-1'`)[0].price;
    // A with-variants row accepted first, applied after a later price row: the price row's price stays.
    const earlierRow = await accept(store, 'POST', VARIANTS, { products: [row(parent.id, 11)] });
    const laterPrice = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'FVX-1', price: 12 }] });
    await run(store, laterPrice);
    await run(store, earlierRow);
    expect(await variantPrice()).toBe(12);
    // A price row accepted first, applied after a later with-variants row: the row's price stays.
    const earlierPrice = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'FVX-1', price: 5 }] });
    const laterRow = await accept(store, 'POST', VARIANTS, { products: [row(parent.id, 7)] });
    await run(store, laterRow);
    await run(store, earlierPrice);
    expect(await variantPrice()).toBe(7);

    // A PATCH's variant set, accepted after a price row applied after it: its price stays, even resent unchanged.
    const set = (price: number) => ({ variants: { items: [{ sku: 'FVX-1', options: { Size: 'M' }, price, warehouses: [{ clientId, stock: 1 }] }] } });
    for (const [sent, label] of [[8, 'changed'], [8, 'resent']] as const) {
      const earlier = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'FVX-1', price: 3 }] });
      const res = await patch(store, parent.id, set(sent));
      expect(res.statusCode, `${label}: ${res.body}`).toBe(200);
      await run(store, earlier);
      expect(await variantPrice(), label).toBe(8);
    }
  });

  it('price rows applied after later-accepted ones, or after a later products/bulk row, leave their prices', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'F-2');
    const [parent] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'fp', 'P', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, price) values (${store.storeId}, ${parent.id}, 'FV-1', 50)`;
    const earlier = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-2', price: 60, specialPrice: 25 }, { sku: 'FV-1', price: 5 }] });
    const later = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-2', price: 40 }, { sku: 'FV-1', price: 6 }] });
    await run(store, later);
    await run(store, earlier);
    // The earlier request's special price stands (no later request set one), checked on 40, not 60.
    expect(await fieldsOf(id)).toMatchObject({ price: 40, special_price: 25 });
    const [v] = await ctx.sql`select price::float8 from product_variants where sku = 'FV-1' and store_id = ${store.storeId}`;
    expect(v.price).toBe(6);
    // Each batch's audit says what its rows changed, before and after as stored: the earlier one the
    // special price alone, not the prices the later one set (it recorded the values sent: QA).
    const audited = async (batchId: string) => (await ctx.sql`select action, resource_id, changes from audit_events
      where store_id = ${store.storeId} and changes->>'batchId' = ${batchId} order by id`).map((a) => [a.action, a.resource_id, a.changes]);
    const [variant] = await ctx.sql`select id from product_variants where sku = 'FV-1' and store_id = ${store.storeId}`;
    expect(await audited(later)).toEqual([
      ['product.updated', id, { price: { before: 100, after: 40 }, batchId: later }],
      ['variant.updated', variant.id, { price: { before: 50, after: 6 }, productId: parent.id, batchId: later }]]);
    expect(await audited(earlier)).toEqual([['product.updated', id, { specialPrice: { before: null, after: 25 }, batchId: earlier }]]);
    // Recorded as numeric(15, 2) stores it.
    const rounded = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-2', price: 1234.567 }] });
    await run(store, rounded);
    expect(await audited(rounded)).toEqual([['product.updated', id, { price: { before: 40, after: 1234.57 }, batchId: rounded }]]);
    await ctx.sql`update products set price = 40 where id = ${id}`;

    // A later request that finds its price already there still holds it against an earlier one.
    const [earlierStill, laterSame] = [await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-2', price: 50 }] }),
      await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-2', price: 40 }] })];
    const before = (await fieldsOf(id)).version;
    await run(store, laterSame);
    expect((await fieldsOf(id)).version).toBe(before);
    await run(store, earlierStill);
    expect(await fieldsOf(id)).toMatchObject({ price: 40, version: before });

    const prices = await accept(store, 'PATCH', PRICES, { items: [{ sku: 'F-2', price: 70 }] });
    const bulk = await accept(store, 'POST', BULK, { products: [{ id, externalId: 'ext-F-2', sku: 'F-2', name: 'Bulk', price: 80 }] });
    await run(store, bulk);
    await run(store, prices);
    expect(await fieldsOf(id)).toMatchObject({ name: 'Bulk', price: 80 });
  });
});
