import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWarehouseToStore, createStore } from '../../src/stores/stores.js';
import { describeFailure } from '../../src/cli/errors.js';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';

/**
 * GET /partner/stores and GET /partner/stores/warehouses page as the API's other lists do
 * (meta.pagination: page, limit, total, totalPages): a channel manager's thousands of stores came
 * back in one answer, with no way to ask for less.
 */
describe('the partner\'s stores and a store\'s warehouses, by page', () => {
  let ctx: TestContext;
  let first: TestStore;
  const storeNames = ['Store A', 'Store B', 'Store C', 'Store D', 'Store E'];

  beforeAll(async () => {
    ctx = await createTestApp();
    first = await createTestStore(ctx, 5);
    for (const name of storeNames.slice(1)) await createStore(ctx.sql, { partnerClientId: first.partnerClientId, name });
  });
  afterAll(async () => { await ctx?.close(); });

  const stores = (query = '') => signedInject(ctx, first, { method: 'GET', url: `/api/v1/partner/stores${query}`, partnerOnly: true });
  const warehouses = (query = '') => signedInject(ctx, first, { method: 'GET', url: `/api/v1/partner/stores/warehouses${query}` });

  it('answers every store on one page by default, oldest first, with the pagination of the other lists', async () => {
    const res = await stores();
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((s: any) => s.name)).toEqual(['Test Store', ...storeNames.slice(1)]);
    expect(res.json().meta.pagination).toEqual({ page: 1, limit: 100, total: 5, totalPages: 1 });
  });

  it('pages the stores by page and limit, each store once, and a page past the end is empty with the total', async () => {
    const pages = await Promise.all([1, 2, 3].map((page) => stores(`?page=${page}&limit=2`)));
    expect(pages.map((p) => p.json().data.map((s: any) => s.name))).toEqual([['Test Store', 'Store B'], ['Store C', 'Store D'], ['Store E']]);
    expect(pages.map((p) => p.json().meta.pagination)).toEqual([1, 2, 3].map((page) => ({ page, limit: 2, total: 5, totalPages: 3 })));
    const past = await stores('?page=9&limit=2');
    expect([past.json().data, past.json().meta.pagination]).toEqual([[], { page: 9, limit: 2, total: 5, totalPages: 3 }]);
  });

  it('pages the store\'s warehouses the same way', async () => {
    const all = await warehouses();
    expect(all.json().data.map((w: any) => w.clientId)).toEqual(first.warehouses.map((w) => w.clientId));
    expect(all.json().meta.pagination).toEqual({ page: 1, limit: 100, total: 5, totalPages: 1 });
    const second = await warehouses('?page=2&limit=3');
    expect(second.json().data.map((w: any) => w.clientId)).toEqual(first.warehouses.slice(3).map((w) => w.clientId));
    expect(second.json().meta.pagination).toEqual({ page: 2, limit: 3, total: 5, totalPages: 2 });
    expect((await warehouses('?page=3&limit=3')).json().meta.pagination.total).toBe(5);
  });

  it('refuses a limit past 1,000, a limit of 0 and an unknown parameter with VAL_001, naming them', async () => {
    for (const [query, field] of [['?limit=1001', 'limit'], ['?limit=0', 'limit'], ['?page=0', 'page']] as const) {
      for (const res of [await stores(query), await warehouses(query)]) {
        expect([res.statusCode, res.json().error.code, Object.keys(res.json().error.details.context.validationErrors.querystring)]).toEqual([400, 'VAL_001', [field]]);
      }
    }
    const unknown = await stores('?cursor=x');
    expect([unknown.statusCode, unknown.json().error.details.context.validationErrors.querystring]).toEqual([400, { cursor: 'property cursor should not exist' }]);
  });
});

describe('a store\'s warehouses are capped at 1,000', () => {
  let ctx: TestContext;
  beforeAll(async () => { ctx = await createTestApp(); });
  afterAll(async () => { await ctx?.close(); });

  it('adds the thousandth and refuses the next, naming the limit; two adds at once for the last place: one wins', async () => {
    const store = await createTestStore(ctx, 1);
    await ctx.sql`insert into warehouses (store_id, client_id, name)
      select ${store.storeId}, 'wh_cap_' || n, 'Warehouse ' || n from generate_series(2, 998) as n`;
    expect((await addWarehouseToStore(ctx.sql, store.storeClientId, 'The 999th')).name).toBe('The 999th');
    const both = await Promise.allSettled([addWarehouseToStore(ctx.sql, store.storeClientId, 'A'), addWarehouseToStore(ctx.sql, store.storeClientId, 'B')]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(describeFailure(refused.reason)).toBe(`error: store ${store.storeClientId} has 1,000 warehouses, the most a store may have (1,000)`);
    const [{ n }] = await ctx.sql<{ n: number }[]>`select count(*)::int as n from warehouses where store_id = ${store.storeId}`;
    expect(n).toBe(1000);
  });
});
