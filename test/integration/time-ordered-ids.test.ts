import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

/**
 * Migration 0083: new products (and variants, issues, events, deliveries) get UUIDs of version 7,
 * whose first 48 bits are the creation time in milliseconds, so that they append to their
 * indexes. time_ordered_uuid() is PostgreSQL 18's uuidv7() there, uuid_v7_portable() before it;
 * both are checked on whichever server the suite runs against.
 */
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const expectVersion7 = (id: string, near: number) => {
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(Math.abs(millisOf(id) - near)).toBeLessThan(60_000);
};

describe('time-ordered ids (0083)', () => {
  for (const fn of ['time_ordered_uuid', 'uuid_v7_portable']) {
    it(`${fn}() makes version 7 UUIDs that sort in the order they were made`, async () => {
      const made: string[] = [];
      for (let i = 0; i < 4; i++) {
        const [row] = await ctx.sql.unsafe<{ id: string }[]>(`select ${fn}()::text as id, pg_sleep(0.002)`);
        made.push(row.id);
      }
      const [{ now }] = await ctx.sql<{ now: number }[]>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now`;
      for (const id of made) expectVersion7(id, now);
      expect([...made].sort()).toEqual(made);
      expect(new Set(made).size).toBe(made.length);
    });
  }

  it('gives the products of a catalog sync ids in the order of their requests', async () => {
    const store = await createTestStore(ctx, 0);
    const ids: string[][] = [];
    for (const batch of [1, 2]) {
      const products = [0, 1, 2].map((n) => ({ externalId: `t-${batch}-${n}`, name: `Product ${batch}.${n}`, sku: `T-${batch}-${n}`, price: 1000, stock: 1 }));
      const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products } });
      expect(res.statusCode).toBe(200);
      await waitForBatch(ctx, res.json().data.batchId);
      const rows = await ctx.sql<{ id: string }[]>`
        select id::text from products where store_id = ${store.storeId} and external_id like ${`t-${batch}-%`}`;
      expect(rows).toHaveLength(3);
      ids.push(rows.map((r) => r.id));
    }
    const [{ now }] = await ctx.sql<{ now: number }[]>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now`;
    for (const id of ids.flat()) expectVersion7(id, now);
    expect(ids[0].every((first) => ids[1].every((second) => first < second))).toBe(true);
  });
});
