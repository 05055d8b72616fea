import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

// A product's variants read back in the order its set was last sent (0149), the deactivated ones
// after them: they came sorted by creation time and SKU, so a size chart sent XS, S, M, L, XL read
// back L, M, S, XL, XS, and a set sent again in a new order kept the old one (QA).
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const items = (sizes: string[]) => sizes.map((size) => ({ sku: `TEE-${size}`, price: 10, options: { size } }));
const parent = (sizes: string[], id?: string) => ({ ...(id ? { id } : {}), externalId: 'tee', name: 'Tee', variants: { items: items(sizes) } });

async function withVariants(store: TestStore, url: string, body: unknown) {
  const res = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${url}`, body });
  expect(res.json().data.summary.failed, res.body).toBe(0);
  expect(await waitForBatch(ctx, res.json().data.batchId)).toMatchObject({ status: 'COMPLETED', failed: 0 });
}
/** The variants part of the product's last audit event (a reorder was audited as nothing: QA). */
async function lastAuditOfVariants(id: string) {
  const [e] = await ctx.sql`select changes from audit_events where resource_id = ${id} and action = 'product.updated' order by id desc limit 1`;
  return e?.changes.variants;
}
async function read(store: TestStore, id: string) {
  const product = (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/products/${id}` })).json().data;
  return { version: product.version as number, order: product.variants.map((v: any) => `${v.options.size}${v.isActive ? '' : ' (off)'}`) };
}

describe("a product's variants", () => {
  it('read back in the order sent by with-variants sync and bulk, a new order too, the deactivated ones after', async () => {
    const store = await createTestStore(ctx, 1);
    await withVariants(store, 'catalog/with-variants/sync', { products: [parent(['XS', 'S', 'M', 'L', 'XL'])] });
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'tee'`;
    expect((await read(store, id)).order).toEqual(['XS', 'S', 'M', 'L', 'XL']);
    const before = (await read(store, id)).version;
    await withVariants(store, 'products/with-variants/bulk', { products: [parent(['XL', 'L', 'M', 'XXL'], id)] });
    const after = await read(store, id);
    // The deactivated ones after, as before 0149 (by creation time, then SKU).
    expect(after.order).toEqual(['XL', 'L', 'M', 'XXL', 'S (off)', 'XS (off)']);
    expect(after.version).toBeGreaterThan(before);
    // The same set in a new order alone is a change of the set: a new version.
    await withVariants(store, 'products/with-variants/bulk', { products: [parent(['M', 'L', 'XL', 'XXL'], id)] });
    const reordered = await read(store, id);
    expect(reordered.order.slice(0, 4)).toEqual(['M', 'L', 'XL', 'XXL']);
    expect(reordered.version).toBe(after.version + 1);
    expect(await lastAuditOfVariants(id)).toEqual({ reordered: { before: ['TEE-XL', 'TEE-L', 'TEE-M', 'TEE-XXL'], after: ['TEE-M', 'TEE-L', 'TEE-XL', 'TEE-XXL'] } });
  });

  it('read back in the order a PATCH sent, a new variant in the middle and a reactivated one included', async () => {
    const store = await createTestStore(ctx, 1);
    await withVariants(store, 'catalog/with-variants/sync', { products: [parent(['S', 'M', 'L'])] });
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'tee'`;
    const patch = (sizes: string[]) => signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/stores/products/${id}`, body: { variants: { items: items(sizes) } } });
    const first = await patch(['L', 'XL', 'S']);
    expect(first.statusCode, first.body).toBe(200);
    expect((await read(store, id)).order).toEqual(['L', 'XL', 'S', 'M (off)']);
    const { version } = await read(store, id);
    expect((await patch(['M', 'S', 'L', 'XL'])).statusCode).toBe(200);
    expect(await read(store, id)).toEqual({ version: version + 1, order: ['M', 'S', 'L', 'XL'] });
    expect(await lastAuditOfVariants(id)).toEqual({ reactivated: ['TEE-M'], reordered: { before: ['TEE-L', 'TEE-XL', 'TEE-S'], after: ['TEE-S', 'TEE-L', 'TEE-XL'] } });
  });

  it('written before 0149 (no place), sent again in the order they read in, change nothing: no new version (review)', async () => {
    const store = await createTestStore(ctx, 1);
    await withVariants(store, 'catalog/with-variants/sync', { products: [parent(['L', 'M', 'S'])] });
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'tee'`;
    await ctx.sql`update product_variants set position = null where product_id = ${id}`;
    const { version } = await read(store, id);
    await withVariants(store, 'products/with-variants/bulk', { products: [parent(['L', 'M', 'S'], id)] });
    expect(await read(store, id)).toEqual({ version, order: ['L', 'M', 'S'] });
    await ctx.sql`update product_variants set position = null where product_id = ${id}`;
    const patched = await signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/stores/products/${id}`, body: { variants: { items: items(['L', 'M', 'S']) } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await read(store, id)).toEqual({ version, order: ['L', 'M', 'S'] });
    // A deactivated variant keeps no place among the active ones, even one a process older than 0149 left it (rolling deploy; review).
    await ctx.sql`update product_variants set is_active = false, position = 0 where product_id = ${id} and sku = 'TEE-L'`;
    expect((await read(store, id)).order).toEqual(['M', 'S', 'L (off)']);
  });
});
