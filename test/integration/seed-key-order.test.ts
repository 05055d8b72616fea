import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

// The seeds' examples write a refused row's keys as code, message, rowIndex, externalId/sku/id,
// details (001, 002), and a PATCH's data as externalId, id, hasVariants, updatedFields (003): the
// serializer wrote a row's details before its keys (required properties first), and id first (QA).
let ctx: TestContext;
let worker: Runner;
let store: TestStore;
beforeAll(async () => {
  ctx = await createTestApp();
  worker = await startTestWorker(ctx);
  store = await createTestStore(ctx, 1);
});
afterAll(async () => { await worker.stop(); await ctx.close(); });

const post = (url: string, body: unknown, method: 'POST' | 'PATCH' = 'POST') => signedInject(ctx, store, { method, url: `/api/v1/partner/stores/${url}`, body });

describe('keys in the order the seeds write them', () => {
  it("a refused row's (seed 001's PRD_002, seed 002's INV_001), and a PATCH's data (seed 003)", async () => {
    // The document first: it requires `details` again (openapi.ts), which must not reach the serializer's schema.
    const doc = (await ctx.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const rowError = doc.paths['/api/v1/partner/stores/products/bulk'].post.responses['200'].content['application/json'].schema.properties.data.properties.errors.items;
    expect(rowError.required).toEqual(expect.arrayContaining(['code', 'message', 'rowIndex', 'details']));
    expect(Object.keys(doc.paths['/api/v1/pim/bulk-jobs'].get.responses['401'].headers)).toContain('WWW-Authenticate');
    const product = { externalId: 'order-1', name: 'Order', sku: 'ORDER-1', price: 10 };
    const created = await post('catalog/sync', { products: [product] });
    expect(await waitForBatch(ctx, created.json().data.batchId)).toMatchObject({ status: 'COMPLETED' });
    const again = (await post('products/bulk', { products: [product] })).json();
    expect(Object.keys(again.data.errors[0])).toEqual(['code', 'message', 'rowIndex', 'externalId', 'sku', 'details']);
    const stock = (await post('inventory', { items: [{ sku: 'NO-SUCH-SKU', stock: 1 }] }, 'PATCH')).json();
    expect(Object.keys(stock.data.errors[0])).toEqual(['code', 'message', 'rowIndex', 'sku', 'details']);
    const [{ id }] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'order-1'`;
    const patched = (await post(`products/${id}`, { name: 'Renamed' }, 'PATCH')).json();
    expect(Object.keys(patched.data)).toEqual(['externalId', 'id', 'hasVariants', 'updatedFields']);
  });
});
