import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

// Catalog rows are checked on JSON.parse's doubles and, in a body whose every row passed, read by
// PostgreSQL from the stored text as numeric: a weight 1e-17000 (0 for JavaScript) overflowed
// numeric in the worker and failed every row of its request, the valid ones too, and a price with
// more than 15 significant digits was checked as one value and stored as another (QA). Such a body
// is written from its parsed values, as checked (src/catalog/body-numbers.ts).
let ctx: TestContext;
let worker: Runner;
let store: TestStore;
beforeAll(async () => {
  ctx = await createTestApp();
  worker = await startTestWorker(ctx);
  store = await createTestStore(ctx, 0);
});
afterAll(async () => { await worker.stop(); await ctx.close(); });

async function send(url: string, text: string) {
  const res = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${url}`, body: text });
  expect(res.statusCode, res.body).toBe(200);
  return waitForBatch(ctx, res.json().data.batchId);
}
const stored = (sku: string) => ctx.sql`select price::text, special_price::text, weight from products where store_id = ${store.storeId} and sku = ${sku}`.then((r) => r[0]);

describe('a catalog body holding a number PostgreSQL reads otherwise than JSON.parse', () => {
  it('creates every valid row: a weight 1e-17000 is the 0 that was checked, and the row beside it is not lost', async () => {
    const batch = await send('catalog/sync', '{"products":[{"externalId":"num-ok","name":"N","sku":"NUM-OK","price":100},'
      + '{"externalId":"num-tiny","name":"N","sku":"NUM-TINY","price":100,"weight":1e-17000}]}');
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 0 });
    expect([await stored('NUM-OK'), await stored('NUM-TINY')]).toEqual([
      { price: '100.00', special_price: null, weight: null }, { price: '100.00', special_price: null, weight: 0 }]);
  });

  it('stores a price of more than 15 significant digits as it was checked, as PATCH does (its special price stays below it)', async () => {
    const batch = await send('products/bulk', '{"products":[{"externalId":"num-long","name":"N","sku":"NUM-LONG","price":10.00499999999999999999,"specialPrice":10.00}]}');
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1 });
    expect(await stored('NUM-LONG')).toEqual({ price: '10.01', special_price: '10.00', weight: null });
  });
});
