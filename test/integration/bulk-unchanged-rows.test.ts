import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import '../../src/catalog/product-batches.js';
import '../../src/catalog/variant-product-batches.js';
import '../../src/catalog/price-batches.js';

// A products/bulk row that sends the values already there (a nightly full sync) changes nothing:
// its product keeps its version and updated_at, so `updatedSince` and `sortBy=updatedAt` follow
// real changes of the product's own fields. Before, every row of a full sync moved both, and the
// next incremental read listed the whole catalog. Stock alone moves neither (as PATCH /inventory);
// a PATCH /products/{id} of stock alone moves the version (its ETag), not updated_at (0130).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const BULK = '/api/v1/partner/stores/products/bulk';
const VARIANTS_BULK = '/api/v1/partner/stores/products/with-variants/bulk';
const PRICES = '/api/v1/partner/stores/products/prices';
const { accept, run } = batchOrderHelpers(() => ctx);
const { patch } = productPatchHelpers(() => ctx);

const stamp = async (id: string) => (await ctx.sql`
  select version, updated_at, stock from products_with_stock where id = ${id}`)[0] as { version: number; updated_at: Date; stock: number };
const changedSince = async (store: TestStore, since: Date) => {
  const res = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/products?updatedSince=${encodeURIComponent(since.toISOString())}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.map((p: { externalId: string }) => p.externalId) as string[];
};
const pause = () => new Promise((r) => setTimeout(r, 15));

describe('bulk rows that change nothing', () => {
  it('a products/bulk row resending the stored values keeps the version and updated_at; stock alone moves neither; a changed field moves both', async () => {
    const store = await createTestStore(ctx, 0);
    const full = (key: string) => ({
      externalId: key, sku: `SKU-${key}`, name: `Product ${key}`, price: 100.5, specialPrice: 80, stock: 4, weight: 250,
      photos: ['https://example.com/a.jpg'], hashtags: ['sale'], dimensions: { length: 10, width: 5, height: 2 }, condition: 'NEW',
    });
    const catalog = ['u-1', 'u-2', 'u-3'].map(full);
    const outcomes = await run(store, await accept(store, 'POST', BULK, { products: catalog }));
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const ids = (await ctx.sql`select id from products where store_id = ${store.storeId} order by external_id`).map((r) => r.id as string);
    const withIds = catalog.map((row, n) => ({ id: ids[n], ...row }));
    const before = await Promise.all(ids.map(stamp));
    await pause();
    const since = new Date();
    await pause();

    // The same catalog again, the stock of u-2 and the name of u-3 changed: all succeed as updates.
    const resent = [withIds[0], { ...withIds[1], stock: 9 }, { ...withIds[2], name: 'Renamed u-3' }];
    const again = await run(store, await accept(store, 'POST', BULK, { products: resent }));
    expect(again.map((o: any) => [o.status, o.result.action])).toEqual([['SUCCEEDED', 'updated'], ['SUCCEEDED', 'updated'], ['SUCCEEDED', 'updated']]);
    const after = await Promise.all(ids.map(stamp));
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual({ ...before[1], stock: 9 });
    expect(after[2].version).toBe(before[2].version + 1);
    expect(after[2].updated_at.getTime()).toBeGreaterThan(before[2].updated_at.getTime());
    expect(await changedSince(store, since)).toEqual(['u-3']);

    // A PATCH of stock alone (beside a value already there) is a new version, its ETag, but keeps
    // updated_at (0130); one that changes a field moves both.
    const patched = await patch(store, ids[0], { stock: 5, name: 'Product u-1' });
    expect([patched.statusCode, patched.headers.etag]).toEqual([200, `"${before[0].version + 1}"`]);
    expect(await stamp(ids[0])).toEqual({ ...before[0], version: before[0].version + 1, stock: 5 });
    expect(await changedSince(store, since)).toEqual(['u-3']);
    expect((await patch(store, ids[0], { name: 'Renamed u-1' })).statusCode).toBe(200);
    expect((await stamp(ids[0])).updated_at.getTime()).toBeGreaterThan(before[0].updated_at.getTime());
    expect((await changedSince(store, since)).sort()).toEqual(['u-1', 'u-3']);
    // The same with a variant set (none: it stays simple), stock alone: a new version, updated_at kept (review).
    const moved = await stamp(ids[1]);
    const withSet = await patch(store, ids[1], { stock: 2, variants: { items: [] } });
    expect([withSet.statusCode, withSet.headers.etag]).toEqual([200, `"${moved.version + 1}"`]);
    expect(await stamp(ids[1])).toEqual({ ...moved, version: moved.version + 1, stock: 2 });
  });

  it('a with-variants row resending its parent and variants keeps the parent\'s version and updated_at', async () => {
    const store = await createTestStore(ctx, 1);
    const parent = {
      externalId: 'v-1', name: 'Shirt', variants: { items: [
        { sku: 'V-1-RED', price: 10, stock: 3, options: { Colour: 'Red' } },
        { sku: 'V-1-BLUE', price: 12, stock: 1, options: { Colour: 'Blue' } },
      ] },
    };
    const first = await run(store, await accept(store, 'POST', VARIANTS_BULK, { products: [parent] }));
    expect(first.map((o) => o.status), JSON.stringify(first)).toEqual(['SUCCEEDED']);
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'v-1'`;
    const before = await stamp(id);
    await pause();
    const since = new Date();
    await pause();
    const audited = async () => (await ctx.sql`
      select count(*)::int as n from audit_events where store_id = ${store.storeId} and resource_id = ${id} and action = 'product.updated'`)[0].n as number;
    const again = await run(store, await accept(store, 'POST', VARIANTS_BULK, { products: [{ id, ...parent }] }));
    expect(again.map((o) => o.status), JSON.stringify(again)).toEqual(['SUCCEEDED']);
    expect(await stamp(id)).toEqual(before);
    expect(await changedSince(store, since)).toEqual([]);
    // Nothing changed: no audit event (nor product.updated, written beside it).
    expect(await audited()).toBe(0);
    // A variant's price alone, stock alone, then a variant left out (deactivated), then the parent's name.
    const [red, blue] = parent.variants.items;
    const send = async (items: unknown[], extra: Record<string, unknown> = {}) => {
      const outcomes = await run(store, await accept(store, 'POST', VARIANTS_BULK, { products: [{ id, ...parent, ...extra, variants: { items } }] }));
      expect(outcomes.map((o) => o.status), JSON.stringify(outcomes)).toEqual(['SUCCEEDED']);
      return stamp(id);
    };
    const repriced = await send([{ ...red, price: 11 }, blue]);
    expect(repriced.version).toBe(before.version + 1);
    expect(repriced.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    expect(await changedSince(store, since)).toEqual(['v-1']);
    expect(await audited()).toBe(1);
    // Stock alone: told (audited), no new version.
    expect(await send([{ ...red, price: 11, stock: 8 }, blue])).toEqual({ ...repriced, stock: 9 });
    expect(await audited()).toBe(2);
    expect((await send([{ ...red, price: 11, stock: 8 }])).version).toBe(before.version + 2);
    expect((await send([{ ...red, price: 11, stock: 8 }], { name: 'Shirt, renamed' })).version).toBe(before.version + 3);
    expect((await send([{ ...red, price: 11, stock: 8 }], { name: 'Shirt, renamed' })).version).toBe(before.version + 3);

    // A price row for a variant: its product moves when the price does, not when it is resent.
    const price = async (value: number) => {
      const outcomes = await run(store, await accept(store, 'PATCH', PRICES, { items: [{ sku: 'V-1-RED', price: value }] }));
      expect(outcomes.map((o) => o.status), JSON.stringify(outcomes)).toEqual(['SUCCEEDED']);
      return stamp(id);
    };
    const renamed = await stamp(id);
    expect(await price(11)).toEqual(renamed);
    const repricedByRow = await price(12);
    expect(repricedByRow.version).toBe(renamed.version + 1);
    expect(repricedByRow.updated_at.getTime()).toBeGreaterThan(renamed.updated_at.getTime());

    // PATCH /products/{id} with a variant set: a variant's stock alone is a new version, updated_at
    // kept (QA: it moved, and updatedSince listed the product); a variant's price moves both.
    const stockOnly = await patch(store, id, { variants: { items: [{ sku: 'V-1-RED', stock: 2 }] } });
    expect([stockOnly.statusCode, stockOnly.headers.etag]).toEqual([200, `"${repricedByRow.version + 1}"`]);
    expect(await stamp(id)).toEqual({ ...repricedByRow, version: repricedByRow.version + 1, stock: 2 });
    expect((await patch(store, id, { variants: { items: [{ sku: 'V-1-RED', price: 13 }] } })).statusCode).toBe(200);
    expect((await stamp(id)).updated_at.getTime()).toBeGreaterThan(repricedByRow.updated_at.getTime());
  });
});
