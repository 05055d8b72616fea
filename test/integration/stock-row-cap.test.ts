import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';

// A variant's stock without a warehouse list is a row in each of the store's warehouses: 1,000 rows
// of 100 variants in a store of 30 warehouses were 3,000,000 rows, accepted and never applied (every
// worker attempt failed past V8's longest string), or a 500 after 2 GB at accept (limits QA).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const rows = (count: number, prefix: string) => Array.from({ length: count }, (_, r) => ({
  externalId: `${prefix}-${r}`, name: `Shirt ${r}`,
  variants: { items: Array.from({ length: 100 }, (_v, k) => ({ sku: `${prefix}-${r}-${k}`, price: 1, stock: 1 })) },
}));

describe('the warehouse stock rows of a request', () => {
  it('are at most 100,000: past it the request is PRD_006 as a whole, naming the count, and nothing is stored', async () => {
    const store = await createTestStore(ctx, 100);
    const over = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/with-variants/sync', body: { products: rows(11, 'over') } });
    expect([over.statusCode, over.json().error.code, over.json().error.message]).toEqual([413, 'PRD_006', 'Too many warehouse stock rows in one request']);
    expect(over.json().error.details.context).toMatchObject({ maxStockRows: 100_000, received: 110_000 });
    expect((await ctx.sql`select count(*)::int as n from batches where store_id = ${store.storeId}`)[0].n).toBe(0);
    // Rows that name their warehouses count those alone: 11 rows of 100 variants in one warehouse each.
    const named = rows(11, 'named').map((r) => ({ ...r, variants: { items: r.variants.items.map(({ stock: _s, ...i }) => ({ ...i, warehouses: [{ clientId: store.warehouses[0].clientId, stock: 1 }] })) } }));
    const fine = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/with-variants/sync', body: { products: named } });
    expect([fine.statusCode, fine.json().data?.summary]).toEqual([200, { total: 11, failed: 0, pending: 11 }]);
    // At the cap: accepted.
    const at = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/with-variants/sync', body: { products: rows(10, 'at') } });
    expect([at.statusCode, at.json().data?.summary]).toEqual([200, { total: 10, failed: 0, pending: 10 }]);
  });

  it('of a catalog, products or inventory request too, in a store of more warehouses than a row may name (a store may have any number)', async () => {
    const store = await createTestStore(ctx, 101);
    const products = Array.from({ length: 1000 }, (_, r) => ({ externalId: `many-${r}`, sku: `MANY-${r}`, name: `Mug ${r}`, price: 1, stock: 1 }));
    for (const url of ['/api/v1/partner/stores/catalog/sync', '/api/v1/partner/stores/products/bulk']) {
      const res = await signedInject(ctx, store, { method: 'POST', url, body: { products } });
      expect([url, res.statusCode, res.json().error?.details.context]).toEqual([url, 413, expect.objectContaining({ maxStockRows: 100_000, received: 101_000 })]);
    }
    const items = products.map((p) => ({ sku: p.sku, stock: 2 }));
    const inventory = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items } });
    expect([inventory.statusCode, inventory.json().error?.details.context]).toEqual([413, expect.objectContaining({ maxStockRows: 100_000, received: 101_000 })]);
    expect((await ctx.sql`select count(*)::int as n from batches where store_id = ${store.storeId}`)[0].n).toBe(0);
    const fewer = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products: products.slice(0, 990) } });
    expect([fewer.statusCode, fewer.json().data?.summary]).toEqual([200, { total: 990, failed: 0, pending: 990 }]);
  });
});
