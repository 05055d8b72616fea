import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { indexEntriesRead } from '../helpers/index-reads.js';
import { listProducts, type ProductQuery } from '../../src/catalog/product-read.js';
import type { Queryable } from '../../src/db/database.js';

// Paging an updatedSince read by `page` counts from the list's start at every request: a product
// updated between two pages left its place, the others moved up one, and one was never read. A
// cursor (`after`: the page before's `nextCursor`) starts after the product that ended that page.
let ctx: TestContext;
let store: TestStore;
const ids: string[] = [];
beforeAll(async () => {
  ctx = await createTestApp();
  store = await createTestStore(ctx, 0);
  // Six products updated a millisecond and a few microseconds apart, in key order c-0 … c-5.
  for (let n = 0; n < 6; n++) {
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price, updated_at)
      values (${store.storeId}, ${`c-${n}`}, ${`C-${n}`}, 'Product', 10, timestamptz '2026-12-01 10:00:00' + ${n * 1001 + 0.5}::float8 * interval '1 millisecond') returning id`;
    ids.push(p.id);
  }
});
afterAll(async () => { await ctx.close(); });

const get = (query: string) => signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/products?${query}` });
const keys = (res: Awaited<ReturnType<typeof get>>) => res.json().data.map((p: { externalId: string }) => p.externalId);
const SINCE = 'updatedSince=2026-12-01T09:00:00Z&sortBy=updatedAt&order=asc&limit=2';

describe('the product list\'s cursor', () => {
  it('reads every product once, page after page, however they move meanwhile; by page one was skipped', async () => {
    const first = await get(SINCE);
    expect(keys(first)).toEqual(['c-0', 'c-1']);
    expect(first.json().meta.pagination).toMatchObject({ page: 1, limit: 2, total: 6, totalPages: 3, nextCursor: expect.any(String) });
    // c-0, read already, is updated meanwhile: it goes to the end, the others move up one, and
    // page 2 begins at c-3: c-2 would never be read.
    await ctx.sql`update products set updated_at = now() where id = ${ids[0]}`;
    expect(keys(await get(`${SINCE}&page=2`))).toEqual(['c-3', 'c-4']);
    const seen = [...keys(first)];
    let cursor: string | null = first.json().meta.pagination.nextCursor;
    while (cursor) {
      const res = await get(`${SINCE}&after=${cursor}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...keys(res));
      cursor = res.json().meta.pagination.nextCursor;
    }
    // Every product once, and c-0 again: it changed since it was read.
    expect(seen).toEqual(['c-0', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-0']);
  });

  it('splits a group of products written at one time (one statement, one now()) by their ids, in both orders', async () => {
    const tied = await createTestStore(ctx, 0);
    await ctx.sql`insert into products (store_id, external_id, sku, name, price)
      select ${tied.storeId}, 't-' || n, 'T-' || n, 'Product', 10 from generate_series(1, 7) n`;
    for (const order of ['asc', 'desc']) {
      const read = (query: string) => signedInject(ctx, tied, { method: 'GET', url: `/api/v1/partner/stores/products?sortBy=createdAt&order=${order}${query}` });
      const all = (await read('&limit=100')).json().data.map((p: { id: string }) => p.id);
      const walked: string[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const res = await read(`&limit=3${cursor ? `&after=${cursor}` : ''}`);
        walked.push(...res.json().data.map((p: { id: string }) => p.id));
        cursor = res.json().meta.pagination.nextCursor;
      }
      expect([order, walked]).toEqual([order, all]);
      expect(new Set(walked).size).toBe(7);
    }
  });

  it('holds a time to the microsecond past 2^53 µs (the year 2255): a cursor there started its page again', async () => {
    const late = await createTestStore(ctx, 0);
    await ctx.sql`insert into products (store_id, external_id, sku, name, price, created_at)
      select ${late.storeId}, 'l-' || n, 'L-' || n, 'Product', 10, timestamptz '2300-01-01 00:00:00.000001' + n * interval '1 microsecond'
      from generate_series(1, 5) n`;
    const walked: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null && walked.length < 10) {
      const res = await signedInject(ctx, late, { method: 'GET', url: `/api/v1/partner/stores/products?sortBy=createdAt&order=asc&limit=2${cursor ? `&after=${cursor}` : ''}` });
      walked.push(...res.json().data.map((p: { externalId: string }) => p.externalId));
      cursor = res.json().meta.pagination.nextCursor;
    }
    expect(walked).toEqual(['l-1', 'l-2', 'l-3', 'l-4', 'l-5']);
  });

  it('pages the descending order too, ends with null, and tells no cursor for an order by anything else', async () => {
    const order = 'sortBy=createdAt&order=desc&limit=4';
    const first = await get(order);
    const second = await get(`${order}&after=${first.json().meta.pagination.nextCursor}`);
    expect(second.statusCode, second.body).toBe(200);
    expect([...keys(first), ...keys(second)]).toEqual(['c-5', 'c-4', 'c-3', 'c-2', 'c-1', 'c-0']);
    expect(second.json().meta.pagination.nextCursor).toBeNull();
    const byName = await get('sortBy=name&limit=2');
    expect(byName.statusCode, byName.body).toBe(200);
    expect(byName.json().meta.pagination.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not make, one of another order, beside page, or for an order by name (VAL_001)', async () => {
    const cursor = (await get(SINCE)).json().meta.pagination.nextCursor;
    const told = async (query: string) => {
      const res = await get(query);
      return [res.statusCode, res.json().error?.code, res.json().error?.details.context.validationErrors.querystring.after];
    };
    expect(await told(`${SINCE}&after=not-a-cursor`)).toEqual([400, 'VAL_001', 'after must be a nextCursor this list returned']);
    const forged = Buffer.from(`updatedAt.asc.1'; drop table products.${ids[0]}`).toString('base64url');
    expect(await told(`${SINCE}&after=${forged}`)).toEqual([400, 'VAL_001', 'after must be a nextCursor this list returned']);
    expect(await told(`sortBy=updatedAt&order=desc&after=${cursor}`)).toEqual([400, 'VAL_001', 'after was made for sortBy=updatedAt&order=asc: send the same order']);
    expect(await told(`${SINCE}&page=2&after=${cursor}`)).toEqual([400, 'VAL_001', 'after starts its own page: send it without page']);
    expect(await told(`sortBy=name&after=${cursor}`)).toEqual([400, 'VAL_001', 'after pages the orders by createdAt or updatedAt only: use page for the others']);
    // A well-formed cursor of a time from year 1 to 9999 is read; one outside them is refused, never a 500.
    for (const [micros, status] of [['253402300799999999', 200], ['-62135596800000000', 200], ['0', 200], ['253402300800000000', 400], ['-99999999999999999', 400]] as const) {
      const res = await get(`${SINCE}&after=${Buffer.from(`updatedAt.asc.${micros}.${ids[0]}`).toString('base64url')}`);
      expect([micros, res.statusCode]).toEqual([micros, status]);
    }
  });
});

describe('a cursor page of a big store', () => {
  it('reads its page from the (store, time, id) index, in either order, not the rest of the store', async () => {
    const big = await createTestStore(ctx, 0);
    await ctx.sql`insert into products (store_id, external_id, sku, name, price, updated_at)
      select ${big.storeId}, 'b-' || n, 'B-' || n, 'Product', 10, now() - n * interval '1 second' from generate_series(1, 3000) n`;
    await ctx.sql`analyze products`;
    for (const order of ['asc', 'desc'] as const) {
      const q: ProductQuery = { sortBy: 'updatedAt', order, page: 1, limit: 20 };
      const { nextCursor } = await listProducts(ctx.sql, big.storeId, q);
      let read = 0;
      // The rows of products the page reads, through its indexes or by a scan of the table.
      const rowsRead = async (tx: Queryable) => await indexEntriesRead(tx, 'products')
        + (await tx<{ n: number }[]>`select pg_stat_get_xact_tuples_returned('products'::regclass)::int as n`)[0].n;
      await ctx.sql.begin(async (tx) => {
        const before = await rowsRead(tx);
        const { items } = await listProducts(tx, big.storeId, { ...q, after: nextCursor! });
        read = (await rowsRead(tx)) - before;
        expect(items).toHaveLength(20);
      });
      // Measured: 3,027 in both orders (the count's 3,000, the page's 20 and the one more that tells
      // a next page); ordered `desc nulls last`, a descending page read the store again: 6,012.
      expect(read, order).toBeLessThan(4500);
    }
  });

  it('builds the JSON of its page\'s products only, not of those its offset skips (a page past the end of 750,000 took 13.6 s; QA)', async () => {
    const big = await createTestStore(ctx, 0);
    await ctx.sql`insert into products (store_id, external_id, sku, name, price) select ${big.storeId}, 'o-' || n, 'O-' || n, 'P', 10 from generate_series(1, 3000) n`;
    await ctx.sql`analyze products, product_stock`;
    for (const page of [148, 1000]) {
      const { reads, items } = await ctx.sql.begin(async (tx) => {
        // A product's JSON reads its stock (product_stock's key): once a product built (the page's 20, and the one
        // more that tells a next page).
        const before = await indexEntriesRead(tx, 'product_stock');
        const listed = await listProducts(tx, big.storeId, { sortBy: 'createdAt', order: 'desc', page, limit: 20 });
        return { reads: (await indexEntriesRead(tx, 'product_stock')) - before, items: listed.items.length };
      });
      // Measured before: 2,961 for page 148 (its offset's 2,940 and its 21).
      expect({ page, items, reads }).toEqual({ page, items: page === 148 ? 20 : 0, reads: page === 148 ? 21 : 0 });
    }
  });
});
