import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import '../../src/catalog/product-batches.js'; // registers the processors processBatch runs
import '../../src/catalog/variant-product-batches.js';

// An externalId of "" is a key like any other (the seed's schema has no not-empty rule for it): a
// second row naming it was accepted and failed in processing (PRD_002), where any other taken
// externalId is refused at once, and PATCH /inventory by it answered INV_003 (QA). JavaScript's
// truthiness dropped it from the lookups.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const SYNC = '/api/v1/partner/stores/catalog/sync';
const { accept, run } = batchOrderHelpers(() => ctx);

describe('an empty externalId', () => {
  it('is found as the key it is, at accept and by PATCH /inventory', async () => {
    const store = await createTestStore(ctx, 0);
    const first = await accept(store, 'POST', SYNC, { products: [{ externalId: '', name: 'Empty key', sku: 'EK-1', price: 1, stock: 1 }] });
    expect((await run(store, first)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    const again = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [{ externalId: '', name: 'Empty key again', sku: 'EK-2', price: 1 }] } });
    expect(again.json().data.errors.map((e: any) => e.code)).toEqual(['PRD_002']);
    expect(again.json().data.acceptedRows).toEqual([]);
    const stock = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ externalId: '', stock: 9 }] } });
    expect(stock.json().data.errors, stock.body).toEqual([]);
    expect(stock.json().data.acceptedRows).toMatchObject([{ rowIndex: 0, target: 'product', externalId: '' }]);
    // Price and deletion rows name it too, as PATCH /inventory's do (they left it out).
    const prices = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/products/prices', body: { items: [{ sku: 'EK-1', price: 2 }] } });
    expect(prices.json().data.acceptedRows, prices.body).toMatchObject([{ rowIndex: 0, externalId: '', sku: 'EK-1' }]);
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and sku = 'EK-1'`;
    const deletion = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/deletions', body: { ids: [id] } });
    expect(deletion.json().data.acceptedRows, deletion.body).toMatchObject([{ rowIndex: 0, id, externalId: '', sku: 'EK-1' }]);
  });

  it('held by a variant is found at accept too', async () => {
    const store = await createTestStore(ctx, 0);
    const VARIANTS_SYNC = '/api/v1/partner/stores/catalog/with-variants/sync';
    const first = await accept(store, 'POST', VARIANTS_SYNC, { products: [{ externalId: 'ev-1', name: 'Parent', variants: { items: [{ sku: 'EV-1A', externalId: '', price: 1 }] } }] });
    expect((await run(store, first)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    const again = await signedInject(ctx, store, { method: 'POST', url: VARIANTS_SYNC,
      body: { products: [{ externalId: 'ev-2', name: 'Other', variants: { items: [{ sku: 'EV-2A', externalId: '', price: 1 }] } }] } });
    expect(again.json().data.errors.map((e: any) => e.code), again.body).toEqual(['PRD_002']);
    // A PATCH's variant set finds that variant by it (it was planned as a new variant, whose key its own variant held: PRD_002).
    const [parent] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'ev-1'`;
    const renamed = await signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/stores/products/${parent.id}`,
      body: { variants: { items: [{ externalId: '', sku: 'EV-1B', price: 1 }] } } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await ctx.sql`select sku, external_id from product_variants where product_id = ${parent.id}`).map((v) => [v.sku, v.external_id])).toEqual([['EV-1B', '']]);
  });
});
