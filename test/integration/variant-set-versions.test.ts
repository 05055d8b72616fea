import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../../src/db/database.js';
import '../../src/catalog/variant-product-batches.js';
import { batchKind, type BatchContext, type BatchProcessor } from '../../src/batches/processors.js';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { bigStoreUnseen, indexEntriesRead, spreadStatisticsThin } from '../helpers/index-reads.js';
import { until } from '../helpers/lock-waits.js';

// A with-variants row moves its product's version and updated_at when it changes the product's
// variant set (variant-set-changes.ts). Review found the move written by a join of the store and the
// ids (on a marketplace's statistics, 100 parents read the store's 6,000 products), and the set read
// before the product was locked: a price chunk that changed it meanwhile, written back by the row,
// counted as no change (no new version, no event).
let ctx: TestContext;
let big: TestStore;
let variants: { id: string; sku: string; product_id: string }[];
beforeAll(async () => {
  ctx = await createTestApp();
  big = await createTestStore(ctx);
  await spreadStatisticsThin(ctx.sql, big.partnerClientId);
  ({ variants } = await bigStoreUnseen(ctx.sql, big.storeId));
}, 120_000);
afterAll(async () => { await ctx.close(); });

const processRows = (batchKind('products.variants.bulk') as { process: BatchProcessor }).process;
const context = (): BatchContext => ({
  storeId: big.storeId, partnerId: big.partnerId, partnerClientId: big.partnerClientId, batchId: randomUUID(), requestId: randomUUID(), ip: null,
  acceptedSeq: 1_000_000n, body: null,
});
/** Update rows for the products of `parents` (named by id and externalId, as a with-variants row names them), each sending its two variants, the first at `price`. */
const rowsFor = async (parents: string[], price: number) => {
  const held = new Map((await ctx.sql<{ id: string; external_id: string }[]>`select id, external_id from products where id = any(${parents}::uuid[])`)
    .map((p) => [p.id, p.external_id]));
  return parents.map((pid, k) => {
    const [a, b] = variants.filter((v) => v.product_id === pid);
    return { rowIndex: k, payload: { mode: 'update' as const, id: pid, input: { externalId: held.get(pid)! }, items: [
      { item: { sku: a.sku, price }, placement: { kind: 'none' as const } }, { item: { sku: b.sku, price: 50 }, placement: { kind: 'none' as const } }] } };
  });
};
const parentIds = () => [...new Set(variants.map((v) => v.product_id))];
const stamps = async (ids: string[]) => ctx.sql<{ id: string; version: number; updated_at: Date }[]>`
  select id, version, updated_at from products where id = any(${ids}::uuid[]) order by id`;

describe('a with-variants chunk moving its products\' versions on a marketplace\'s statistics', () => {
  it('moves the versions of 100 products whose sets changed, finding each by key, not reading the store', async () => {
    const ids = parentIds().slice(0, 100);
    const rows = await rowsFor(ids, 60);
    let read = 0;
    await ctx.sql.begin(async (tx) => {
      const before = await indexEntriesRead(tx, 'products');
      const outcomes = await processRows(tx as Transaction, context(), rows);
      read = (await indexEntriesRead(tx, 'products')) - before;
      expect(outcomes.every((o) => o.status === 'SUCCEEDED'), JSON.stringify(outcomes[0])).toBe(true);
    });
    expect((await stamps(ids)).map((s) => s.version)).toEqual(ids.map(() => 2));
    // Measured: 1,574 entries of products' indexes (the locks, the parents' writes, the moves, the
    // quality rules); 4,774 with the move written by a join of the store and the ids.
    expect(read).toBeLessThan(2000);
  });

  it('moves a product whose set a price chunk changed while the row waited for its lock, written back by the row', async () => {
    const [pid] = parentIds().slice(200, 201);
    const [a] = variants.filter((v) => v.product_id === pid);
    const rows = await rowsFor([pid], 50);
    const held = await ctx.sql.reserve();
    try {
      // What a price chunk does: the product locked (and moved), its variant repriced.
      await held`begin`;
      await held`update products set version = version + 1, updated_at = now() where store_id = ${big.storeId} and id = ${pid}`;
      await held`update product_variants set price = 12 where store_id = ${big.storeId} and id = ${a.id}`;
      let backend: number | undefined;
      const work = ctx.sql.begin(async (tx) => {
        [{ backend }] = await tx<{ backend: number }[]>`select pg_backend_pid() as backend`;
        return processRows(tx, context(), rows);
      });
      await until('the chunk waiting for a lock', async () => backend !== undefined
        && (await ctx.sql`select 1 from pg_stat_activity where pid = ${backend} and wait_event_type = 'Lock'`).length > 0);
      await held`commit`;
      const [repriced] = await stamps([pid]);
      expect((await work).map((o) => o.status)).toEqual(['SUCCEEDED']);
      const [after] = await stamps([pid]);
      expect(after.version).toBe(repriced.version + 1);
      expect(after.updated_at.getTime()).toBeGreaterThan(repriced.updated_at.getTime());
      const [{ price }] = await ctx.sql`select price::float8 from product_variants where id = ${a.id}`;
      expect(price).toBe(50);
    } finally {
      held.release();
    }
  });
});
