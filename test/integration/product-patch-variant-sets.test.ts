import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct, productRow, variantRows } = productPatchHelpers(() => ctx);

/** A product with two variants, V-R (vx-r, price 10) and V-B (vx-b, price 12). */
async function variantProduct(store: TestStore, sku = 'P-1') {
  const id = await simpleProduct(store, sku);
  const res = await patch(store, id, { variants: { items: [
    { sku: 'V-R', externalId: 'vx-r', options: { Colour: 'Red' }, price: 10 },
    { sku: 'V-B', externalId: 'vx-b', options: { Colour: 'Blue' }, price: 12 },
  ] } });
  expect(res.statusCode).toBe(200);
  return id;
}

/** How PATCH matches a variant set's items to the variants, and what the set leaves. */
describe('PATCH /products/{productId} with a variant set', () => {
  it('refuses two items that match one variant (PRD_004 naming both), and writes nothing', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await variantProduct(store);
    const before = await variantRows(id);
    const res = await patch(store, id, { variants: { items: [
      { sku: 'V-R', price: 20 }, { sku: 'NEWZ', externalId: 'vx-r', price: 30 }, { sku: 'V-B' },
    ] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'PRD_004', details: { context: { field: 'variants.items.1', items: [0, 1] } } });
    expect(await variantRows(id)).toEqual(before);
  });

  it("checks an item's prices against the price or specialPrice it leaves stored (PRD_008)", async () => {
    const store = await createTestStore(ctx, 0);
    const id = await variantProduct(store);
    const above = await patch(store, id, { variants: { items: [{ sku: 'V-R', specialPrice: 50 }, { sku: 'V-B' }] } });
    expect(above.json().error).toMatchObject({ code: 'PRD_008', details: { context: { field: 'variants.items.0.specialPrice', price: 10, specialPrice: 50 } } });
    expect((await patch(store, id, { variants: { items: [{ sku: 'V-R', specialPrice: 5 }, { sku: 'V-B' }] } })).statusCode).toBe(200);
    const below = await patch(store, id, { variants: { items: [{ sku: 'V-B' }, { sku: 'V-R', price: 1 }] } });
    expect(below.json().error).toMatchObject({ code: 'PRD_008', details: { context: { field: 'variants.items.1.price', price: 1, specialPrice: 5 } } });
    expect((await variantRows(id)).map((v) => [v.sku, v.price, v.special_price])).toEqual([['V-B', 12, null], ['V-R', 10, 5]]);
    expect((await patch(store, id, { variants: { items: [{ sku: 'V-B' }, { sku: 'V-R', price: 1, specialPrice: null }] } })).statusCode).toBe(200);
  });

  it("clears a product's own sku, price, specialPrice and stock when it takes variants (seed 003)", async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'B3', { stock: 9, special_price: 50 });
    const res = await patch(store, id, { variants: { items: [{ sku: 'B3', price: 5 }, { sku: 'B3-2', price: 6 }] } });
    expect(res.statusCode).toBe(200);
    expect(await productRow(id)).toMatchObject({ has_variants: true, sku: null, price: null, special_price: null, stock: 0 });
    expect((await variantRows(id)).map((v) => v.sku)).toEqual(['B3', 'B3-2']);
    const get = (url: string) => signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/products${url}` });
    expect((await get('?isAvailableStock=true')).json().data).toEqual([]);
    expect((await get('/sku/B3')).json().data).toMatchObject({ id, hasVariants: true, price: null, stock: 0 });
    const [audit] = await ctx.sql`select changes from audit_events where resource_id = ${id} and action = 'product.updated'`;
    expect(audit.changes.clearedForVariants).toEqual({ sku: 'B3', price: 100, specialPrice: 50, stock: 9 });
    // The fields cleared are named among those that changed (it said "variants" alone: QA), and the audit tells the variants made.
    expect(res.json().data.updatedFields).toEqual(['variants', 'sku', 'price', 'specialPrice', 'stock']);
    expect(audit.changes.variants).toEqual({ created: ['B3', 'B3-2'] });
  });

  it('swaps the SKUs and externalIds of two variants, a set that is valid once written', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await variantProduct(store);
    const ids = Object.fromEntries((await ctx.sql`select sku, id from product_variants where product_id = ${id}`).map((v) => [v.sku, v.id]));
    const res = await patch(store, id, { variants: { items: [
      { id: ids['V-R'], sku: 'V-B', externalId: 'vx-b' }, { id: ids['V-B'], sku: 'V-R', externalId: 'vx-r' },
    ] } });
    expect(res.statusCode).toBe(200);
    const after = await ctx.sql`select id, sku, external_id from product_variants where product_id = ${id} order by sku`;
    expect(after.map((v) => [v.sku, v.external_id, v.id])).toEqual([['V-B', 'vx-b', ids['V-R']], ['V-R', 'vx-r', ids['V-B']]]);
    // A key that its variant's item gives up in the same set is free; one that it keeps is not.
    const kept = await patch(store, id, { variants: { items: [{ id: ids['V-R'], sku: 'V-R' }, { id: ids['V-B'], sku: 'V-B2' }] } });
    expect([kept.statusCode, kept.json().error?.code]).toEqual([200, undefined]);
    const held = await patch(store, id, { variants: { items: [{ id: ids['V-R'], sku: 'V-X', externalId: 'vx-r' }, { id: ids['V-B'], sku: 'V-R' }] } });
    expect([held.statusCode, held.json().error.code, held.json().error.details.context.field]).toEqual([409, 'PRD_002', 'variants.items.0.externalId']);
  });

  it('moves the version only when the set, or the product, changes', async () => {
    const store = await createTestStore(ctx, 1);
    const [w] = store.warehouses;
    const id = await simpleProduct(store);
    const set = [{ sku: 'N-1', options: { Size: 'S' }, price: 10.004, stock: 3 }, { sku: 'N-2', price: 12, warehouses: [{ clientId: w.clientId, stock: 1 }] }];
    const first = await patch(store, id, { variants: { items: set } });
    expect([first.json().data.updatedFields, first.headers.etag]).toEqual([['variants', 'sku', 'price'], '"2"']);
    const again = await patch(store, id, { name: 'Product', variants: { items: set } });
    expect([again.json().data.updatedFields, again.headers.etag]).toEqual([[], '"2"']);
    const price = await patch(store, id, { variants: { items: [set[0], { ...set[1], price: 13 }] } });
    expect([price.json().data.updatedFields, price.headers.etag]).toEqual([['variants'], '"3"']);
    const stock = await patch(store, id, { variants: { items: [{ ...set[0], stock: 4 }, { ...set[1], price: 13 }] } });
    expect([stock.json().data.updatedFields, stock.headers.etag]).toEqual([['variants'], '"4"']);
    expect(await productRow(id)).toMatchObject({ version: 4, stock: 5 });
    const audits = await ctx.sql`select changes from audit_events where resource_id = ${id} order by id`;
    expect(audits).toHaveLength(3);
    // Each changed variant's fields before and after (it named SKUs alone: QA).
    expect(audits.map((a) => a.changes.variants)).toEqual([{ created: ['N-1', 'N-2'] },
      { updated: { 'N-2': { price: { before: 12, after: 13 } } } }, { updated: { 'N-1': { stock: { before: 3, after: 4 } } } }]);

    const simple = await simpleProduct(store, 'S-1');
    const none = await patch(store, simple, { variants: { items: [] }, name: 'Product', price: 100 });
    expect([none.json().data.updatedFields, none.headers.etag]).toEqual([[], '"1"']);
    expect((await productRow(simple)).version).toBe(1);
  });

  // Seed 003: "If the product has variants or variants.items is non-empty, these product-level
  // fields are not allowed: price, specialPrice, stock, sku, warehouses." Items [] make the
  // product simple in the same PATCH, so it may then send them (README, Decisions).
  it('refuses each product-level field a product with variants does not have (PRD_011), with or without a set, and writes nothing', async () => {
    const store = await createTestStore(ctx, 2);
    const [w1] = store.warehouses.map((w) => w.clientId).sort();
    const id = await variantProduct(store);
    const simple = await simpleProduct(store, 'S-R', { stock: 3 });
    const fields = { price: 5, specialPrice: null, stock: 1, sku: 'NEW-SKU', warehouses: [{ clientId: w1, stock: 1 }] };
    const before = [await productRow(id), await variantRows(id), await productRow(simple)];
    for (const [field, value] of Object.entries(fields)) {
      // Seed 003: "If the product has variants or variants.items is non-empty": items [] too.
      for (const [target, body] of [[id, {}], [id, { variants: { items: [{ sku: 'V-R' }] } }], [id, { variants: { items: [] } }],
        [simple, { variants: { items: [{ sku: 'S-R-1' }] } }]] as const) {
        const res = await patch(store, target, { name: 'Renamed', ...body, [field]: value });
        expect([field, res.statusCode, res.json().error?.code, res.json().error?.details.context.field]).toEqual([field, 400, 'PRD_011', field]);
      }
    }
    expect([await productRow(id), await variantRows(id), await productRow(simple)]).toEqual(before);
    const toSimple = await patch(store, id, { variants: { items: [] } });
    expect([toSimple.statusCode, toSimple.json().data.hasVariants]).toEqual([200, false]);
    expect((await patch(store, id, { price: 7, sku: 'P-1-SIMPLE', stock: 2 })).statusCode).toBe(200);
    expect(await productRow(id)).toMatchObject({ has_variants: false, price: '7.00', sku: 'P-1-SIMPLE', stock: 4 });
  });
});
