import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const SYNC = '/api/v1/partner/stores/catalog/with-variants/sync';
const BULK = '/api/v1/partner/stores/products/with-variants/bulk';

const parent = (externalId: string, items: Record<string, unknown>[]) => ({ externalId, name: externalId, variants: { items } });
const codes = (data: any) => data.errors.map((e: any) => [e.rowIndex, e.code]);

describe('variant externalIds', () => {
  it('refuses a variant externalId repeated in the row or request (PRD_004) or taken in the store (PRD_002)', async () => {
    const store = await createTestStore(ctx, 0);
    const [taken] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'old', 'Old', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${taken.id}, 'OLD-1', 'old-v1')`;
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'simple', 'SIMPLE', 'Simple')`;
    const products = [
      parent('twice-in-row', [{ sku: 'A-1', externalId: 'v-a' }, { sku: 'A-2', externalId: 'v-a' }]),
      parent('first', [{ sku: 'B-1', externalId: 'v-b' }]),
      parent('again-in-request', [{ sku: 'C-1', externalId: 'v-b' }]),
      parent('like-a-parent', [{ sku: 'D-1', externalId: 'first' }]),
      parent('own-parent', [{ sku: 'E-1', externalId: 'own-parent' }]),
      parent('variant-taken', [{ sku: 'F-1', externalId: 'old-v1' }]),
      parent('product-taken', [{ sku: 'G-1', externalId: 'simple' }]),
      parent('fine', [{ sku: 'H-1', externalId: 'v-h' }]),
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products } });
    const { data } = res.json();
    expect(codes(data)).toEqual([[0, 'PRD_004'], [2, 'PRD_004'], [3, 'PRD_004'], [4, 'PRD_004'], [5, 'PRD_002'], [6, 'PRD_002']]);
    expect(data.errors[0].details.context).toMatchObject({ field: 'variants.items.1.externalId' });
    expect(data.errors[4].details.context).toMatchObject({ field: 'variants.items.0.externalId' });
    const batch = await waitForBatch(ctx, data.batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 6 });
  });

  it('keeps a variant its own externalId when products/with-variants/bulk updates it', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [parent('tee', [{ sku: 'T-1', externalId: 't-1' }])] } });
    await waitForBatch(ctx, res.json().data.batchId);
    const [p] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'tee'`;
    const update = { id: p.id, ...parent('tee', [{ sku: 'T-1', externalId: 't-1', price: 3 }, { sku: 'T-2', externalId: 't-1' }]) };
    const refused = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [update] } });
    expect(codes(refused.json().data)).toEqual([[0, 'PRD_004']]);
    update.variants.items.pop();
    const ok = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [update] } });
    expect(ok.json().data.errors).toEqual([]);
    expect(await waitForBatch(ctx, ok.json().data.batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 1 });
  });
});
