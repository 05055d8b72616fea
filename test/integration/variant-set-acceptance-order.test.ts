import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
// The processor processBatch runs (the worker's task list loads it).
import '../../src/catalog/variant-product-batches.js';

// A product's variant set and its variants' options, barcode and photos keep acceptance order
// (0127), as its fields and prices do (field-acceptance-order.test.ts): a with-variants row accepted
// before a PATCH /products/{id} (or a later row) and applied after it brought back the variants the
// PATCH had left out, dropped those it had added, and wrote its options over the PATCH's (QA).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const VARIANTS = '/api/v1/partner/stores/products/with-variants/bulk';
const { accept, run } = batchOrderHelpers(() => ctx);
const { patch } = productPatchHelpers(() => ctx);

type Item = { sku: string; externalId?: string; options?: Record<string, string>; barcode?: string; photos?: string[]; price?: number; stock?: number };
async function parentWith(store: TestStore, externalId: string, items: Item[]) {
  await run(store, await accept(store, 'POST', VARIANTS, { products: [{ externalId, name: externalId, variants: { items } }] }));
  const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = ${externalId}`;
  return id as string;
}
const updateRow = (id: string, externalId: string, items: Item[]) => ({ products: [{ id, externalId, name: externalId, variants: { items } }] });
/** The product's variants by SKU (active, stock, options, barcode, photos, price) and its own stock total. */
async function stateOf(store: TestStore, id: string) {
  const variants = await ctx.sql`select sku, external_id, is_active, stock, options, barcode, photos, price::float8 from product_variants
    where store_id = ${store.storeId} and product_id = ${id} order by sku`;
  const [{ stock }] = await ctx.sql`select stock from product_stock where store_id = ${store.storeId} and product_id = ${id}`;
  return { total: stock as number, bySku: Object.fromEntries(variants.map((v) => [v.sku, v])) as Record<string, Record<string, any>> };
}

describe('a with-variants update row', () => {
  it("keeps the options, barcode and photos an item does not send (its prices are written whole, as documented)", async () => {
    const store = await createTestStore(ctx, 1);
    const id = await parentWith(store, 'wv-keep', [{ sku: 'WK-1', options: { Colour: 'Red', Size: 'L' }, barcode: '12345678', photos: ['https://img.example/1.jpg'], price: 100, stock: 2 }]);
    await run(store, await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-keep', [{ sku: 'WK-1', stock: 6 }])));
    expect((await stateOf(store, id)).bySku['WK-1']).toMatchObject({
      options: { Colour: 'Red', Size: 'L' }, barcode: '12345678', photos: ['https://img.example/1.jpg'], price: null, stock: 6, is_active: true,
    });
    await run(store, await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-keep', [{ sku: 'WK-1', options: { Size: 'M' }, barcode: '87654321', photos: [] }])));
    expect((await stateOf(store, id)).bySku['WK-1']).toMatchObject({ options: { Size: 'M' }, barcode: '87654321', photos: [] });
  });
});

describe("a product's variant set keeps acceptance order", () => {
  it('a row accepted before a PATCH and applied after it leaves the set the PATCH made, and its options', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await parentWith(store, 'wv-set', [{ sku: 'S-A', options: { Size: 'S' }, stock: 2 }, { sku: 'S-B', options: { Size: 'M' }, stock: 3 }]);
    // The row names S-A (new options) and a new S-C, and leaves S-B out; the PATCH after it keeps S-B and S-A's options.
    const earlier = await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-set', [{ sku: 'S-A', options: { Size: 'XS' }, stock: 4 }, { sku: 'S-C', options: { Size: 'L' }, stock: 5 }]));
    const res = await patch(store, id, { variants: { items: [{ sku: 'S-A', options: { Size: 'S2' } }, { sku: 'S-B' }] } });
    expect(res.statusCode, res.body).toBe(200);
    await run(store, earlier);
    const { total, bySku } = await stateOf(store, id);
    expect(Object.fromEntries(Object.entries(bySku).map(([sku, v]) => [sku, [v.is_active, v.stock]]))).toEqual({
      'S-A': [true, 4], 'S-B': [true, 3], 'S-C': [false, 5],
    });
    expect(bySku['S-A'].options).toEqual({ Size: 'S2' });
    // The product's stock is its active variants' (S-C, made inactive, counts nothing).
    expect(total).toBe(7);

    // And the other way: the PATCH leaves S-B out; the row accepted before it, naming S-B, does not bring it back.
    const again = await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-set', [{ sku: 'S-A' }, { sku: 'S-B', stock: 9 }]));
    expect((await patch(store, id, { variants: { items: [{ sku: 'S-A' }] } })).statusCode).toBe(200);
    await run(store, again);
    const after = await stateOf(store, id);
    expect([after.bySku['S-B'].is_active, after.bySku['S-B'].stock, after.total]).toEqual([false, 9, 4]);
  });

  it('a row applied after a later-accepted row leaves the set and the options that row wrote; applied in order, it writes them', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await parentWith(store, 'wv-rows', [{ sku: 'R-A', options: { Size: 'S' }, stock: 1 }, { sku: 'R-B', stock: 1 }]);
    const earlier = await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-rows', [{ sku: 'R-A', options: { Size: 'XS' }, barcode: '11112222' }, { sku: 'R-B' }]));
    const later = await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-rows', [{ sku: 'R-A', options: { Size: 'XL' } }]));
    await run(store, later);
    await run(store, earlier);
    let { bySku } = await stateOf(store, id);
    expect([bySku['R-A'].options, bySku['R-A'].barcode, bySku['R-B'].is_active]).toEqual([{ Size: 'XL' }, '11112222', false]);
    // In order, a row makes its set and writes what it sends, as ever.
    await run(store, await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-rows', [{ sku: 'R-A', options: { Size: 'M' } }, { sku: 'R-B' }])));
    ({ bySku } = await stateOf(store, id));
    expect([bySku['R-A'].options, bySku['R-B'].is_active]).toEqual([{ Size: 'M' }, true]);
  });

  it('a row accepted before a PATCH that creates a variant of the same SKU, or sets a variant\'s externalId, leaves what the PATCH sent', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await parentWith(store, 'wv-new', [{ sku: 'N-A', externalId: 'E0', stock: 1 }]);
    const earlier = await accept(store, 'POST', VARIANTS, updateRow(id, 'wv-new', [
      { sku: 'N-A', externalId: 'E1' },
      { sku: 'N-X', price: 50, options: { Colour: 'Red' }, barcode: '11111111', photos: ['https://img.example/x.jpg'], stock: 5 },
    ]));
    const res = await patch(store, id, { variants: { items: [{ sku: 'N-A', externalId: 'E2' }, { sku: 'N-X', price: 20, options: { Colour: 'Blue' }, barcode: '22222222', stock: 7 }] } });
    expect(res.statusCode, res.body).toBe(200);
    await run(store, earlier);
    const { bySku } = await stateOf(store, id);
    expect(bySku['N-A'].external_id).toBe('E2');
    // What the PATCH did not send (photos), the earlier row writes, as applied in order it would have.
    expect(bySku['N-X']).toMatchObject({ price: 20, options: { Colour: 'Blue' }, barcode: '22222222', photos: ['https://img.example/x.jpg'], is_active: true, stock: 7 });
  });
});
