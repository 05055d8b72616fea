import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import '../../src/catalog/variant-product-batches.js';

// Two variants of one product naming the same option values are refused (PRD_015), as Shopify
// refuses them: both were accepted and created (QA).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

const SYNC = '/api/v1/partner/stores/catalog/with-variants/sync';
const { patch } = productPatchHelpers(() => ctx);
const { run } = batchOrderHelpers(() => ctx);

describe('duplicate variant option values', () => {
  it('fail a with-variants row at accept (its other rows accepted); items without options are not compared', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [
      { externalId: 'ov-1', name: 'Twins', variants: { items: [{ sku: 'OV-1A', options: { Colour: 'Red', Size: 'L' } }, { sku: 'OV-1B', options: { size: 'l ', colour: 'RED' } }] } },
      { externalId: 'ov-2', name: 'Plain', variants: { items: [{ sku: 'OV-2A' }, { sku: 'OV-2B' }, { sku: 'OV-2C', options: { Size: 'M' } }] } },
    ] } });
    expect(res.statusCode, res.body).toBe(200);
    const { data } = res.json();
    expect(data.summary).toEqual({ total: 2, failed: 1, pending: 1 });
    expect(data.errors).toEqual([expect.objectContaining({
      rowIndex: 0, code: 'PRD_015', message: 'Duplicate variant options',
      details: expect.objectContaining({ context: { field: 'variants.items.1.options', items: [0, 1], options: { size: 'l ', colour: 'RED' } } }),
    })]);
    await run(store, data.batchId);
    const skus = await ctx.sql`select sku from product_variants where store_id = ${store.storeId} order by sku`;
    expect(skus.map((v) => v.sku)).toEqual(['OV-2A', 'OV-2B', 'OV-2C']);
  });

  it('fail a PATCH\'s variant set, counting the options a variant keeps when its item sends none; nothing changes', async () => {
    const store = await createTestStore(ctx, 0);
    const accepted = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [
      { externalId: 'ov-3', name: 'Shirt', variants: { items: [{ sku: 'OV-3A', options: { Size: 'S' } }, { sku: 'OV-3B', options: { Size: 'M' } }] } },
    ] } });
    await run(store, accepted.json().data.batchId);
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'ov-3'`;
    const before = await ctx.sql`select sku, options, is_active from product_variants where product_id = ${id} order by sku`;
    for (const [items, at] of [
      [[{ sku: 'OV-3A' }, { sku: 'OV-3B' }, { sku: 'OV-3C', options: { Size: 'M' } }], 2],
      [[{ sku: 'OV-3A', options: { Size: 'M' } }, { sku: 'OV-3B' }], 1],
    ] as const) {
      const res = await patch(store, id, { variants: { items } });
      expect([res.statusCode, res.json().error?.code, res.json().error?.details?.context?.field]).toEqual([400, 'PRD_015', `variants.items.${at}.options`]);
    }
    expect(await ctx.sql`select sku, options, is_active from product_variants where product_id = ${id} order by sku`).toEqual(before);
    // Swapping two variants' options in one set is fine: the set is compared as written.
    const swapped = await patch(store, id, { variants: { items: [{ sku: 'OV-3A', options: { Size: 'M' } }, { sku: 'OV-3B', options: { Size: 'S' } }] } });
    expect(swapped.statusCode, swapped.body).toBe(200);
  });
});
