import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct } = productPatchHelpers(() => ctx);

/** The store's open issues of the rules a product's own sku and prices raise, as `sku-or-name:code`. */
const openIssues = async (store: TestStore) => (await ctx.sql<{ label: string }[]>`
  select coalesce(p.sku, p.name) || ':' || vi.code as label from validation_issues vi join products p on p.id = vi.product_id
  where vi.store_id = ${store.storeId} and not vi.resolved and vi.code in ('DUPLICATE_SKU', 'SPECIAL_PRICE_NOT_BELOW_PRICE', 'MISSING_DESCRIPTION')
  order by 1`).map((r) => r.label);

/**
 * A product whose special price is not below its price (PIM jobs store such prices and raise an
 * issue), whose SKU another product holds in another case, and the issues evaluate_quality raises.
 */
async function flaggedPair(store: TestStore) {
  const id = await simpleProduct(store, 'Own-1', { name: 'Converted', special_price: 120, description: 'Described' });
  const twin = await simpleProduct(store, 'OWN-1', { name: 'Twin', description: 'Described' });
  await ctx.sql`select evaluate_quality(${store.storeId}::uuid, ${[id, twin]}::uuid[])`;
  expect(await openIssues(store)).toEqual(['OWN-1:DUPLICATE_SKU', 'Own-1:DUPLICATE_SKU', 'Own-1:SPECIAL_PRICE_NOT_BELOW_PRICE']);
  return { id, twin };
}

describe('issues raised from the own sku and prices of a product that took variants', () => {
  it('PATCH with a variant set clears them and resolves what they raised, on the product and on the other holder of its SKU', async () => {
    const store = await createTestStore(ctx, 0);
    const { id } = await flaggedPair(store);
    const res = await patch(store, id, { variants: { items: [{ sku: 'V-1', price: 5 }, { sku: 'V-2', price: 6 }] } });
    expect(res.statusCode).toBe(200);
    expect(await openIssues(store)).toEqual([]);
  });

  it('migration 0092 resolves those that 0087 left open: it cleared the fields with a plain UPDATE, before 0088 watched SKUs', async () => {
    const store = await createTestStore(ctx, 0);
    const { id } = await flaggedPair(store);
    // As PATCH took variants before 0087: has_variants set, its own sku and prices kept.
    await ctx.sql`update products set has_variants = true where id = ${id}`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, price) values (${store.storeId}, ${id}, 'V-1', 5)`;
    // A product with variants and a legitimate open issue, and a true duplicate pair: both stay open.
    const [bare] = await ctx.sql`insert into products (store_id, name, has_variants) values (${store.storeId}, 'Bare', true) returning id`;
    const pair = [await simpleProduct(store, 'dup-2', { description: 'Described' }), await simpleProduct(store, 'DUP-2', { description: 'Described' })];
    await ctx.sql`select evaluate_quality(${store.storeId}::uuid, ${[id, bare.id, ...pair]}::uuid[])`;
    // 0087's statement (for this store), run as it ran: before 0088's trigger existed.
    await ctx.sql.begin(async (tx) => {
      await tx`alter table products disable trigger products_sku_left_reevaluate`;
      await tx`update products set sku = null, price = null, special_price = null
        where store_id = ${store.storeId} and has_variants and (sku is not null or price is not null or special_price is not null)`;
      await tx`alter table products enable trigger products_sku_left_reevaluate`;
    });
    const stale = ['Bare:MISSING_DESCRIPTION', 'Converted:DUPLICATE_SKU', 'Converted:SPECIAL_PRICE_NOT_BELOW_PRICE', 'DUP-2:DUPLICATE_SKU', 'OWN-1:DUPLICATE_SKU', 'dup-2:DUPLICATE_SKU'];
    expect(await openIssues(store)).toEqual(stale);

    await ctx.sql`select reevaluate_cleared_variant_products(${store.storeId}::uuid)`;
    expect(await openIssues(store)).toEqual(['Bare:MISSING_DESCRIPTION', 'DUP-2:DUPLICATE_SKU', 'dup-2:DUPLICATE_SKU']);
    const [resolved] = await ctx.sql`select count(*)::int as n from validation_issues where store_id = ${store.storeId} and resolved and resolved_at is not null`;
    expect(resolved.n).toBe(3);
  });
});

describe('INVALID_BARCODE of a variant (seed 004: invalid barcodes; variants carry EAN-13/UPC-A/GTIN barcodes)', () => {
  const barcodeIssues = async (store: TestStore) => (await ctx.sql<{ message: string }[]>`
    select message from validation_issues where store_id = ${store.storeId} and not resolved and code = 'INVALID_BARCODE'`).map((r) => r.message);

  it('is raised for an active variant whose barcode is no GTIN, and resolves when it is fixed or the variant is left out', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'P-1', { name: 'P', description: 'Described' });
    const set = (items: unknown[]) => patch(store, id, { variants: { items } });
    expect((await set([{ sku: 'V-1', price: 5, barcode: '4006381333931' }, { sku: 'V-2', price: 6, barcode: '123' }])).statusCode).toBe(200);
    expect(await barcodeIssues(store)).toEqual(['Barcode 123 of variant V-2 is not a valid GTIN-8/12/13/14']);
    const [issue] = await ctx.sql`select severity from validation_issues where store_id = ${store.storeId} and code = 'INVALID_BARCODE'`;
    expect(issue.severity).toBe('ERROR');
    expect((await set([{ sku: 'V-1', price: 5 }, { sku: 'V-2', price: 6, barcode: '96385074' }])).statusCode).toBe(200);
    expect(await barcodeIssues(store)).toEqual([]);
    expect((await set([{ sku: 'V-1', price: 5 }, { sku: 'V-2', price: 6, barcode: '99' }])).statusCode).toBe(200);
    expect(await barcodeIssues(store)).toEqual(['Barcode 99 of variant V-2 is not a valid GTIN-8/12/13/14']);
    // V-2 left out of the set: deactivated (seed 003), so no longer checked.
    expect((await set([{ sku: 'V-1', price: 5 }])).statusCode).toBe(200);
    expect(await barcodeIssues(store)).toEqual([]);
  });
});

describe('migration 0100, on barcodes written before it', () => {
  it('raises INVALID_BARCODE for the products whose active variants held an invalid barcode before it', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'P-1', { name: 'P', description: 'Described' });
    expect((await patch(store, id, { variants: { items: [{ sku: 'V-1', price: 5 }] } })).statusCode).toBe(200);
    // As a variant set wrote it before 0100: stored, no issue raised.
    await ctx.sql`update product_variants set barcode = '12345' where store_id = ${store.storeId}`;
    const migration = await readFile(new URL('../../migrations/0100.do.variant-quality-rules.sql', import.meta.url), 'utf8');
    await ctx.sql.unsafe(migration.slice(migration.indexOf('-- The products whose variants already')));
    const issues = await ctx.sql`select message from validation_issues where store_id = ${store.storeId} and not resolved and code = 'INVALID_BARCODE'`;
    expect(issues.map((r) => r.message)).toEqual(['Barcode 12345 of variant V-1 is not a valid GTIN-8/12/13/14']);
  });
});

describe('DUPLICATE_SKU of a variant (seed 004: duplicate SKUs; the rule ignores case)', () => {
  const duplicates = async (store: TestStore) => (await ctx.sql<{ label: string }[]>`
    select p.name || ': ' || vi.message as label from validation_issues vi join products p on p.id = vi.product_id
    where vi.store_id = ${store.storeId} and not vi.resolved and vi.code = 'DUPLICATE_SKU' order by 1`).map((r) => r.label);

  it("is raised when a variant's SKU is another variant's in another case, and resolves when it changes", async () => {
    const store = await createTestStore(ctx, 0);
    const a = await simpleProduct(store, 'A-1', { name: 'A', description: 'Described' });
    const b = await simpleProduct(store, 'B-1', { name: 'B', description: 'Described' });
    expect((await patch(store, a, { variants: { items: [{ sku: 'v-1', price: 5 }] } })).statusCode).toBe(200);
    expect((await patch(store, b, { variants: { items: [{ sku: 'V-1', price: 5 }, { sku: 'V-2', price: 5 }] } })).statusCode).toBe(200);
    // Both holders (0118: A, which held it first, is evaluated with B).
    expect(await duplicates(store)).toEqual([
      'A: Another product or variant of the store has the SKU v-1 of its variant', 'B: Another product or variant of the store has the SKU V-1 of its variant']);
    const [v1] = await ctx.sql`select id from product_variants where product_id = ${b} and sku = 'V-1'`;
    expect((await patch(store, b, { variants: { items: [{ id: v1.id, sku: 'V-3', price: 5 }, { sku: 'V-2', price: 5 }] } })).statusCode).toBe(200);
    expect(await duplicates(store)).toEqual([]);
  });

  it('resolves on the product whose variant holds the SKU when the other holder, a product, gives it up', async () => {
    const store = await createTestStore(ctx, 0);
    const simple = await simpleProduct(store, 'S-1', { name: 'Simple', description: 'Described' });
    const parent = await simpleProduct(store, 'P-1', { name: 'Parent', description: 'Described' });
    expect((await patch(store, parent, { variants: { items: [{ sku: 's-1', price: 5 }] } })).statusCode).toBe(200);
    expect(await duplicates(store)).toEqual([
      'Parent: Another product or variant of the store has the SKU s-1 of its variant', 'Simple: Another product or variant of the store has the SKU S-1']);
    expect((await patch(store, simple, { sku: 'S-2' })).statusCode).toBe(200);
    expect(await duplicates(store)).toEqual([]);
  });
});

describe('migration 0100, on variants written before it', () => {
  it('raises DUPLICATE_SKU for the products whose variants shared a SKU in another case before it', async () => {
    const store = await createTestStore(ctx, 0);
    const parent = await simpleProduct(store, 'P-1', { name: 'Parent', description: 'Described' });
    expect((await patch(store, parent, { variants: { items: [{ sku: 'v-9', price: 5 }] } })).statusCode).toBe(200);
    // As a variant written before 0100: its SKU in another case, no issue raised.
    const [other] = await ctx.sql`insert into products (store_id, name, has_variants) values (${store.storeId}, 'Other', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${other.id}, 'V-9')`;
    const migration = await readFile(new URL('../../migrations/0100.do.variant-quality-rules.sql', import.meta.url), 'utf8');
    await ctx.sql.unsafe(migration.slice(migration.indexOf('-- The products whose variants already')));
    const issues = await ctx.sql`select p.name from validation_issues vi join products p on p.id = vi.product_id
      where vi.store_id = ${store.storeId} and not vi.resolved and vi.code = 'DUPLICATE_SKU' order by 1`;
    expect(issues.map((r) => r.name)).toEqual(['Other', 'Parent']);
  });
});
