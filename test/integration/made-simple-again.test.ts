import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import { processBatch } from '../../src/batches/process-batch.js';
import '../../src/catalog/product-batches.js'; // registers the processors processBatch runs
import '../../src/inventory/stock-batches.js';

// A row accepted for a simple product that was given variants and made simple again before the row
// was applied fails, as one applied while the product had variants does (PRD_005, INV_005): it
// was applied, and brought back the stock that giving the product variants had cleared (QA, Low).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { accept, run } = batchOrderHelpers(() => ctx);
const { patch, simpleProduct, stockRows, productRow } = productPatchHelpers(() => ctx);

/** Gives the product variants, then makes it simple again (PATCH /products/{id} both times). */
async function givenVariantsAndBack(store: TestStore, id: string, sku: string) {
  // Variant stock needs a warehouse (WHS_005).
  const items = [{ sku: `${sku}-V`, options: { Size: 'M' }, ...(store.warehouses.length > 0 ? { stock: 3 } : {}) }];
  const given = await patch(store, id, { variants: { items } });
  expect(given.statusCode, given.body).toBe(200);
  const back = await patch(store, id, { variants: { items: [] } });
  expect(back.statusCode, back.body).toBe(200);
  expect((await productRow(id)).has_variants).toBe(false);
}

/** The product's own warehouse rows (its deactivated variant keeps its own). */
const ownStockRows = async (id: string) => (await stockRows(id)).filter((r) => r.variant === '-');
/** Applies the batch (every row failing leaves it FAILED, not COMPLETED) and answers its outcomes. */
async function outcomesOf(store: TestStore, batchId: string) {
  await processBatch(ctx.sql, store.storeId, batchId, 100);
  return (await ctx.sql`select outcomes from batches where id = ${batchId}`)[0].outcomes as any[];
}
const failures = (outcomes: any[]) => outcomes.map((o) => [o.status, o.error?.code ?? o.code, o.error?.details?.context?.reason ?? o.details?.context?.reason]);

describe('a row accepted before its product was given variants and made simple again', () => {
  for (const warehouses of [0, 1]) {
    it(`a products/bulk update fails PRD_005 and writes nothing (${warehouses} warehouses)`, async () => {
      const store = await createTestStore(ctx, warehouses);
      const id = await simpleProduct(store, `MS-B${warehouses}`);
      expect((await patch(store, id, { stock: 10 })).statusCode).toBe(200);
      const earlier = await accept(store, 'POST', '/api/v1/partner/stores/products/bulk',
        { products: [{ id, externalId: `ext-MS-B${warehouses}`, name: 'Renamed', sku: `MS-B${warehouses}`, price: 5, stock: 25 }] });
      await givenVariantsAndBack(store, id, `MS-B${warehouses}`);
      const before = await productRow(id);
      expect(failures(await outcomesOf(store, earlier))).toEqual([['FAILED', 'PRD_005', 'the product was given variants and made simple again after the row was accepted']]);
      const after = await productRow(id);
      expect([after.name, after.stock, after.version]).toEqual([before.name, before.stock, before.version]);
      expect(await ownStockRows(id)).toEqual([]);
    });

    it(`a PATCH /inventory row fails INV_005 and writes no stock (${warehouses} warehouses)`, async () => {
      const store = await createTestStore(ctx, warehouses);
      const id = await simpleProduct(store, `MS-I${warehouses}`);
      const other = await simpleProduct(store, `MS-J${warehouses}`);
      const earlier = await accept(store, 'PATCH', '/api/v1/partner/stores/inventory', { items: [{ id, stock: 25 }, { id: other, stock: 8 }] });
      await givenVariantsAndBack(store, id, `MS-I${warehouses}`);
      expect(failures(await outcomesOf(store, earlier))).toEqual([
        ['FAILED', 'INV_005', 'The product was given variants and made simple again after the update was accepted'], ['SUCCEEDED', undefined, undefined],
      ]);
      expect((await productRow(id)).stock).toBe(0);
      expect(await ownStockRows(id)).toEqual([]);
      expect((await productRow(other)).stock).toBe(8);
    });
  }

  it('a price row fails PRD_040 and writes no price', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await simpleProduct(store, 'MS-P');
    const earlier = await accept(store, 'PATCH', '/api/v1/partner/stores/products/prices', { items: [{ id, price: 55 }] });
    await givenVariantsAndBack(store, id, 'MS-P');
    expect(failures(await outcomesOf(store, earlier))).toEqual([['FAILED', 'PRD_040', 'The product took variants after the update was accepted']]);
    expect((await productRow(id)).price).toBeNull();
  });

  it('a PATCH sending `variants.items: []` to a product that never had variants does not count (review)', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'MS-N');
    const bulk = await accept(store, 'POST', '/api/v1/partner/stores/products/bulk',
      { products: [{ id, externalId: 'ext-MS-N', name: 'Renamed', sku: 'MS-N', price: 5, stock: 25 }] });
    const stock = await accept(store, 'PATCH', '/api/v1/partner/stores/inventory', { items: [{ id, stock: 7 }] });
    const none = await patch(store, id, { description: 'd', variants: { items: [] } });
    expect(none.statusCode, none.body).toBe(200);
    expect((await run(store, bulk)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect((await run(store, stock)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect(await productRow(id)).toMatchObject({ name: 'Renamed', stock: 7 });
    expect(await ctx.sql`select 1 from products_made_simple where product_id = ${id}`).toHaveLength(0);
  });

  it('a row accepted after it was made simple again applies', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await simpleProduct(store, 'MS-L');
    await givenVariantsAndBack(store, id, 'MS-L');
    const later = await accept(store, 'PATCH', '/api/v1/partner/stores/inventory', { items: [{ id, stock: 6 }] });
    const bulk = await accept(store, 'POST', '/api/v1/partner/stores/products/bulk',
      { products: [{ id, externalId: 'ext-MS-L', name: 'Later', sku: 'MS-L2', price: 5 }] });
    expect((await run(store, later)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect((await run(store, bulk)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect(await productRow(id)).toMatchObject({ stock: 6, name: 'Later' });
  });

  it('the migration marks the products made simple again before it, with the PATCH\'s sequence', async () => {
    const store = await createTestStore(ctx, 1);
    const id = await simpleProduct(store, 'MS-M');
    await givenVariantsAndBack(store, id, 'MS-M');
    const mark = async () => (await ctx.sql`select seq from products_made_simple where store_id = ${store.storeId} and product_id = ${id}`)[0]?.seq;
    const seq = await mark();
    const [{ runs }] = await ctx.sql`select field_runs::text as runs from products where id = ${id}`;
    expect(runs).toContain(`${seq}`);
    await ctx.sql`delete from products_made_simple where store_id = ${store.storeId} and product_id = ${id}`;
    const file = await readFile(new URL('../../migrations/0129.do.products-made-simple.sql', import.meta.url), 'utf8');
    const from = file.indexOf('insert into products_made_simple');
    await ctx.sql.unsafe(file.slice(from, file.indexOf(';', from)));
    expect(await mark()).toBe(seq);
    // Not a product that never had variants, though a PATCH of `variants.items: []` recorded a set.
    const never = await simpleProduct(store, 'MS-M2');
    expect((await patch(store, never, { variants: { items: [] } })).statusCode).toBe(200);
    await ctx.sql.unsafe(file.slice(from, file.indexOf(';', from)));
    expect(await ctx.sql`select 1 from products_made_simple where product_id = ${never}`).toHaveLength(0);
  });
});
