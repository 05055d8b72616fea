import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Runner } from 'graphile-worker';
import { acceptBatch } from '../../src/batches/batch-store.js';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

const LIST = '/api/v1/partner/stores/batches';
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const sync = async (store: TestStore, n: number) => {
  const res = await signedInject(ctx, store, {
    method: 'POST', url: '/api/v1/partner/stores/catalog/sync',
    body: { products: [{ externalId: `ext-${n}`, name: `Product ${n}`, sku: `SKU-${n}`, price: 1000 }] },
  });
  expect(res.statusCode).toBe(200);
  return res.json().data.batchId as string;
};
const stock = async (store: TestStore, sku: string) => {
  const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku, stock: 5 }] } });
  expect(res.statusCode).toBe(200);
  return res.json().data.batchId as string;
};
const list = (store: TestStore, query = '') => signedInject(ctx, store, { method: 'GET', url: `${LIST}${query}` });

describe('GET /partner/stores/batches', () => {
  it("lists the store's batches newest first, filtered by status and kind, paged, without their rows", async () => {
    const store = await createTestStore(ctx);
    const other = await createTestStore(ctx);
    const first = await sync(store, 1);
    const second = await sync(store, 2);
    const third = await stock(store, 'SKU-404');
    await sync(other, 1);

    const all = await list(store);
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.message).toBe('Batches retrieved successfully');
    expect(body.data.map((b: any) => b.batchId)).toEqual([third, second, first]);
    expect(body.data[1]).toEqual({
      batchId: second, requestId: expect.any(String), kind: 'catalog.sync', status: 'PENDING',
      summary: { total: 1, succeeded: 0, failed: 0, pending: 1 },
      createdAt: expect.any(String), startedAt: null, completedAt: null,
    });
    expect(body.meta.pagination).toEqual({ page: 1, limit: 20, total: 3, totalPages: 1, nextCursor: null });

    const page2 = (await list(store, '?limit=2&page=2')).json();
    expect(page2.data.map((b: any) => b.batchId)).toEqual([first]);
    expect(page2.meta.pagination).toEqual({ page: 2, limit: 2, total: 3, totalPages: 2, nextCursor: null });
    const page3 = (await list(store, '?limit=2&page=3')).json();
    expect([page3.data, page3.meta.pagination]).toEqual([[], { page: 3, limit: 2, total: 3, totalPages: 2, nextCursor: null }]);
    expect((await list(store, '?kind=inventory')).json().data.map((b: any) => b.batchId)).toEqual([third]);

    // Once processed: the catalog rows succeed, the stock row names no product and fails.
    const worker: Runner = await startTestWorker(ctx);
    try { for (const id of [first, second, third]) await waitForBatch(ctx, id); } finally { await worker.stop(); }
    expect((await list(store, '?status=COMPLETED')).json().data.map((b: any) => b.batchId)).toEqual([second, first]);
    // Done in one transaction, a batch still ends after it started (completedAt was that transaction's start too).
    const [times] = await ctx.sql`select bool_and(completed_at > started_at) as later from batches where id = any(${[first, second]})`;
    expect(times.later).toBe(true);
    const failed = (await list(store, '?status=FAILED')).json();
    expect(failed.data).toMatchObject([{ batchId: third, kind: 'inventory', summary: { total: 1, succeeded: 0, failed: 1, pending: 0 } }]);
    expect(failed.data[0].completedAt).toEqual(expect.any(String));
    expect((await list(store, '?status=PENDING')).json().data).toEqual([]);
  });

  it('dates a batch when it is numbered, so the list (newest accepted first) reads in createdAt order', async () => {
    const store = await createTestStore(ctx);
    let later = '';
    await ctx.sql.begin(async (tx) => {
      // A transaction begun before another request's batch, numbering its own after it commits.
      await tx`select now()`;
      await sync(store, 1);
      ({ batchId: later } = await acceptBatch(tx, {
        storeId: store.storeId, partnerId: store.partnerId, kind: 'products.deletions', requestId: randomUUID(), ip: null, total: 1, accepted: [], rejected: [],
      }));
    });
    const items = (await list(store)).json().data;
    expect(items[0].batchId).toBe(later);
    expect(Date.parse(items[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(items[1].createdAt));
    expect(Date.parse(items[0].completedAt)).toBeGreaterThanOrEqual(Date.parse(items[0].createdAt));
  });

  it.each(['?status=DONE', '?kind=everything', '?limit=0', '?limit=101', '?sort=asc'])('refuses %s with VAL_001', async (query) => {
    const store = await createTestStore(ctx);
    const res = await list(store, query);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, error: { code: 'VAL_001' } });
  });

  it('takes a page or a limit in decimal digits only (ajv read ?page=0x2 as page 2, ?page=1e1 as page 10)', async () => {
    const store = await createTestStore(ctx);
    const batchId = await sync(store, 1);
    for (const query of ['?page=0x2', '?page=1e1', '?page=1.0', '?page=%202', '?page=+2', '?page=']) {
      const res = await signedInject(ctx, store, { method: 'GET', url: `${LIST}/${batchId}${query}` });
      expect([res.statusCode, res.json().error?.details.context.validationErrors], query).toEqual([400, { querystring: { page: 'page must be an integer number' } }]);
    }
    expect((await list(store, '?limit=1e1&page=0x1')).json().error.details.context.validationErrors)
      .toEqual({ querystring: { page: 'page must be an integer number', limit: 'limit must be an integer number' } });
    expect((await signedInject(ctx, store, { method: 'GET', url: `${LIST}/${batchId}?page=02&limit=10` })).json().meta.pagination).toMatchObject({ page: 2, limit: 10 });
  });

  it('tells a limit that is no integer just that, not bounds 2.5 keeps', async () => {
    const res = await list(await createTestStore(ctx), '?limit=2.5');
    expect(res.json().error.details.context.validationErrors).toEqual({ querystring: { limit: 'limit must be an integer number' } });
  });
});
