import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { keyLockWaiters, until } from '../helpers/lock-waits.js';

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
    const withSet = await patch(store, id, { externalId: 'ext-their-variant', variants: { items: [] } });
    expect(code(withSet)).toEqual([409, 'PRD_002', 'externalId']);
    // The key that clashed is named, beside a variant set as without one (it was the field alone: QA).
    expect(withSet.json().error.details.context).toEqual({ field: 'externalId', externalId: 'ext-their-variant' });
    const items = (externalId: string) => ({ variants: { items: [{ sku: 'MINE-1', price: 1 }, { sku: 'MINE-2', price: 1, externalId }] } });
    expect(code(await patch(store, id, items('ext-THEIRS')))).toEqual([409, 'PRD_002', 'variants.items.1.externalId']);
    expect(code(await patch(store, id, items('ext-MINE')))).toEqual([409, 'PRD_002', 'variants.items.1.externalId']);
    expect(code(await patch(store, id, items('ext-their-variant')))).toEqual([409, 'PRD_002', 'variants.items.1.externalId']);
    // The context names the key that clashed (a variant item's said only its sku; QA), and the hint fits a PATCH.
    const variantClash = (await patch(store, id, items('ext-THEIRS'))).json().error.details;
    expect(variantClash.context).toEqual({ field: 'variants.items.1.externalId', externalId: 'ext-THEIRS', sku: 'MINE-2' });
    expect(variantClash.hint).not.toMatch(/use PATCH/);
    expect((await patch(store, id, { externalId: 'ext-THEIRS' })).json().error.details.context).toEqual({ field: 'externalId', externalId: 'ext-THEIRS' });
    expect((await patch(store, id, { sku: 'THEIRS' })).json().error.details.context).toEqual({ field: 'sku', sku: 'THEIRS' });
    expect(await productRow(id)).toMatchObject({ external_id: 'ext-MINE', has_variants: false, version: 1 });
    expect(await variantRows(id)).toEqual([]);
  });
});

/**
 * A PATCH with a variant set takes the store's key lock, exclusive, for its writes: one that the
 * request itself, or the product as read with the credentials, refuses answers without it.
 */
describe('PATCH /products/{productId} with a variant set: refusals told before the key lock', () => {
  it('answers PRD_011, PRD_010, PRD_004, PRD_008, PRD_001, PRD_007, PRD_012, PRD_002 and PRD_003 while another writer holds the lock', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'RB-0');
    await simpleProduct(store, 'RB-TAKEN');
    const holder = await ctx.sql.reserve();
    try {
      await holder`begin`;
      await holder`select lock_store_keys_for_variants(${store.storeId}::uuid)`;
      const refused = async (productId: string, body: unknown, headers?: Record<string, string>) => {
        let answered = false;
        const res = patch(store, productId, body, headers).finally(() => { answered = true; });
        await until('the PATCH answered or waiting for the key lock', async () => answered || (await keyLockWaiters(ctx.sql, store.storeId)) > 0);
        if (!answered) return 'waiting for the key lock';
        return (await res).json().error?.code;
      };
      const item = { sku: 'RB-1', price: 10 };
      expect(await refused(id, { price: 5, variants: { items: [item] } })).toBe('PRD_011');
      expect(await refused(id, { name: 'n', variants: { items: [item] } }, { 'if-match': '"7"' })).toBe('PRD_010');
      expect(await refused(id, { variants: { items: [item, { sku: 'RB-1', price: 11 }] } })).toBe('PRD_004');
      expect(await refused(id, { variants: { items: [{ sku: 'RB-1', price: 10, specialPrice: 12 }] } })).toBe('PRD_008');
      expect(await refused(id, { specialPrice: 200, variants: { items: [] } })).toBe('PRD_008');
      expect(await refused('00000000-0000-4000-8000-000000000000', { variants: { items: [item] } })).toBe('PRD_001');
      const unknown = '00000000-0000-4000-8000-000000000001';
      expect(await refused(id, { categoryId: unknown, variants: { items: [item] } })).toBe('PRD_007');
      expect(await refused(id, { variants: { items: [{ ...item, id: unknown }] } })).toBe('PRD_012');
      expect(await refused(id, { externalId: 'ext-RB-TAKEN', variants: { items: [item] } })).toBe('PRD_002');
      expect(await refused(id, { variants: { items: [{ sku: 'RB-TAKEN', price: 10 }] } })).toBe('PRD_003');
    } finally {
      await holder`rollback`;
      holder.release();
    }
    expect(await productRow(id)).toMatchObject({ has_variants: false, sku: 'RB-0', version: 1 });
  });
});

describe('PATCH /products/{productId} with a variant set: what the locked checks accept, the early ones accept', () => {
  it("lets a variant take the externalId the product gives up in the same PATCH (the product's own fields are written first)", async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'GU-0');
    const res = await patch(store, id, { externalId: 'GU-parent', variants: { items: [{ sku: 'GU-1', externalId: 'ext-GU-0', price: 10 }] } });
    expect([res.statusCode, res.json().error?.code]).toEqual([200, undefined]);
    expect(await productRow(id)).toMatchObject({ external_id: 'GU-parent', has_variants: true });
    expect(await variantRows(id)).toMatchObject([{ sku: 'GU-1', external_id: 'ext-GU-0', is_active: true }]);
  });

  it("lets a variant take the product's own SKU and the externalId it gives up together; the externalId it keeps is PRD_002, not its SKU's PRD_003", async () => {
    const store = await createTestStore(ctx, 0);
    const kept = await simpleProduct(store, 'GK-0');
    // The product's own externalId, found by the externalId lookup, held its own SKU too: PRD_003 on a SKU it may give (QA).
    const keeps = await patch(store, kept, { variants: { items: [{ sku: 'GK-0', externalId: 'ext-GK-0', price: 10 }] } });
    expect([keeps.statusCode, keeps.json().error?.code, keeps.json().error?.details?.context?.field]).toEqual([409, 'PRD_002', 'variants.items.0.externalId']);
    const id = await simpleProduct(store, 'GB-0');
    const res = await patch(store, id, { externalId: 'GB-parent', variants: { items: [{ sku: 'GB-0', externalId: 'ext-GB-0', price: 10 }] } });
    expect([res.statusCode, res.json().error?.code]).toEqual([200, undefined]);
    expect(await variantRows(id)).toMatchObject([{ sku: 'GB-0', external_id: 'ext-GB-0', is_active: true }]);
  });
});
