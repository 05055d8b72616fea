import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct, stockRows, productRow, variantRows } = productPatchHelpers(() => ctx);

/** What PATCH refuses that only a sum, or the other rows of the store, can tell: each a 4xx that changes nothing. */
describe('PATCH /products/{productId}: refusals', () => {
  it('refuses stock whose total over the warehouses would pass an integer (VAL_001), and changes nothing', async () => {
    const store = await createTestStore(ctx, 3);
    const [a] = store.warehouses.map((w) => w.clientId).sort();
    const id = await simpleProduct(store);
    expect((await patch(store, id, { stock: 14 })).statusCode).toBe(200);
    const everywhere = await patch(store, id, { name: 'Over', stock: 2_000_000_000 });
    expect(everywhere.statusCode).toBe(400);
    expect(everywhere.json().error).toMatchObject({ code: 'VAL_001', details: { context: { field: 'stock', reason: expect.stringContaining('2147483647') } } });
    const listed = await patch(store, id, { warehouses: [{ clientId: a, stock: 2_147_483_647 }] });
    expect([listed.statusCode, listed.json().error.code, listed.json().error.details.context.field]).toEqual([400, 'VAL_001', 'warehouses']);
    // With a variant set the sum is PostgreSQL's to refuse (22003): the same answer.
    const withSet = await patch(store, id, { variants: { items: [] }, stock: 2_000_000_000 });
    expect([withSet.statusCode, withSet.json().error.code, withSet.json().error.details.context.field]).toEqual([400, 'VAL_001', 'stock']);
    expect((await stockRows(id)).map((r) => r.stock)).toEqual([14, 14, 14]);
    expect(await productRow(id)).toMatchObject({ name: 'Product', stock: 42, version: 2 });
  });

  it("refuses a variant's stock, or a product's over its variants, that would pass an integer (VAL_001)", async () => {
    const store = await createTestStore(ctx, 3);
    const [a] = store.warehouses.map((w) => w.clientId).sort();
    const id = await simpleProduct(store);
    const variant = await patch(store, id, { variants: { items: [{ sku: 'VO-1', price: 5, stock: 2_000_000_000 }] } });
    expect(variant.statusCode).toBe(400);
    expect(variant.json().error).toMatchObject({ code: 'VAL_001', details: { context: { field: 'variants.items.0.stock' } } });
    const product = await patch(store, id, { variants: { items: [
      { sku: 'VO-1', price: 5, warehouses: [{ clientId: a, stock: 2_000_000_000 }] },
      { sku: 'VO-2', price: 5, warehouses: [{ clientId: a, stock: 2_000_000_000 }] },
    ] } });
    expect(product.statusCode).toBe(400);
    expect(product.json().error).toMatchObject({ code: 'VAL_001', details: { context: { field: 'variants', reason: expect.stringContaining('2147483647') } } });
    expect(await productRow(id)).toMatchObject({ has_variants: false, version: 1 });
    expect(await variantRows(id)).toEqual([]);
  });

  it('refuses two items with one externalId (PRD_004), and answers PATCHes racing for one new variant SKU with 409', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store);
    const twice = await patch(store, id, { variants: { items: [{ sku: 'DX-1', externalId: 'dx' }, { sku: 'DX-2', externalId: 'dx' }] } });
    expect([twice.statusCode, twice.json().error.code, twice.json().error.details.context.field]).toEqual([400, 'PRD_004', 'variants.items.1.externalId']);
    expect(await variantRows(id)).toEqual([]);

    const products = await Promise.all(Array.from({ length: 8 }, (_, n) => simpleProduct(store, `RACER-${n}`)));
    const raced = await Promise.all(products.map((p) => patch(store, p, { variants: { items: [{ sku: 'RACED', price: 1 }] } })));
    const answers = raced.map((r) => `${r.statusCode} ${r.json().error?.code ?? ''}`.trim()).sort();
    expect(answers).toEqual(['200', ...Array(7).fill('409 PRD_003')]);
  });

  it("refuses an externalId a product or variant of the store holds, across the two (PRD_002)", async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'MINE');
    const other = await simpleProduct(store, 'THEIRS');
    await ctx.sql`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${other}, 'THEIRS-V', 'ext-their-variant')`;
    const code = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error?.code, res.json().error?.details.context.field];
    expect(code(await patch(store, id, { externalId: 'ext-their-variant' }))).toEqual([409, 'PRD_002', 'externalId']);
    expect(code(await patch(store, id, { externalId: 'ext-their-variant', variants: { items: [] } }))).toEqual([409, 'PRD_002', 'externalId']);
    const items = (externalId: string) => ({ variants: { items: [{ sku: 'MINE-1', price: 1 }, { sku: 'MINE-2', price: 1, externalId }] } });
    expect(code(await patch(store, id, items('ext-THEIRS')))).toEqual([409, 'PRD_002', 'variants.items.1.externalId']);
    expect(code(await patch(store, id, items('ext-MINE')))).toEqual([409, 'PRD_002', 'variants.items.1.externalId']);
    expect(code(await patch(store, id, items('ext-their-variant')))).toEqual([409, 'PRD_002', 'variants.items.1.externalId']);
    expect(await productRow(id)).toMatchObject({ external_id: 'ext-MINE', has_variants: false, version: 1 });
    expect(await variantRows(id)).toEqual([]);
  });
});
