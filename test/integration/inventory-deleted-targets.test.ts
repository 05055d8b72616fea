import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

describe('PATCH /inventory rows whose product is deleted between acceptance and processing', () => {
  it('fail with the code of the identifier they were sent with, as at acceptance', async () => {
    // A store without warehouses: its stock is product-level, and a chunk of it share-locks the
    // store's row before it looks its targets up (apply_stock_chunk). Holding that row keeps the
    // batch waiting until its products are gone, whichever worker takes it.
    const store = await createTestStore(ctx, 0);
    const gone = await ctx.sql<{ id: string }[]>`
      insert into products (store_id, external_id, sku, name)
      select ${store.storeId}, 'gone-ext-' || n, 'GONE-' || n, 'Gone' from generate_series(0, 2) n order by n returning id`;
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'kept-ext', 'KEPT', 'Kept')`;
    const items = [{ sku: 'GONE-0', stock: 1 }, { id: gone[1].id, stock: 2 }, { externalId: 'gone-ext-2', stock: 3 }, { sku: 'KEPT', stock: 4 }];
    const batchId = await ctx.sql.begin(async (tx) => {
      await tx`select 1 from stores where id = ${store.storeId} for no key update`;
      const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items } });
      expect(res.json().data.summary).toEqual({ total: 4, failed: 0, pending: 4 });
      await tx`delete from products where id in ${tx(gone.map((g) => g.id))}`;
      return res.json().data.batchId as string;
    });
    await waitForBatch(ctx, batchId);
    const res = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` });
    expect(res.json().data.rows.map((r: any) => [r.rowIndex, r.status, r.code, r.message])).toEqual([
      [0, 'FAILED', 'INV_001', 'Invalid SKU'], [1, 'FAILED', 'INV_002', 'Invalid Product ID'],
      [2, 'FAILED', 'INV_003', 'Invalid External ID'], [3, 'SUCCEEDED', null, null],
    ]);
    const [kept] = await ctx.sql`select stock from products_with_stock where store_id = ${store.storeId} and sku = 'KEPT'`;
    expect(kept.stock).toBe(4);
  });
});
