import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Queryable, type Sql } from '../../src/db/database.js';
import { analyzeGrownTables, GROWING_TABLES } from '../../src/db/statistics.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { issueIndexEntriesRead } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A database of its own (a copy of the migrated template): its tables are empty and never
// analysed when the functions first run.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let url: string;
let sql: Sql;
beforeAll(async () => {
  db = await scratchDatabase('omni_stats');
  url = db.url;
  sql = connect(url, 2);
}, 60_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** How many times this connection's statements scanned the products' primary key. */
async function pkeyScans(conn: Sql) {
  await conn`select pg_stat_force_next_flush()`;
  await conn`select pg_stat_clear_snapshot()`;
  const [{ n }] = await conn<{ n: number }[]>`select idx_scan::int as n from pg_stat_user_indexes where indexrelname = 'products_pkey'`;
  return n;
}

describe('statistics of a table that grows from empty (analyzeGrownTables)', () => {
  it("refreshes them after a bulk chunk, so the functions' cached plans find products by key", async () => {
    // Autovacuum would analyse in its own time: here, only the function under test does.
    for (const table of GROWING_TABLES) await sql.unsafe(`alter table ${table} set (autovacuum_enabled = false)`);
    const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
    const { storeId: store } = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 's', warehouses: 0 });
    // Two connections make their plans on the empty tables.
    const stale = connect(url, 1);
    const refreshed = connect(url, 1);
    try {
      for (const conn of [stale, refreshed]) await conn`select evaluate_quality(${store}::uuid, ${[randomUUID()]}::uuid[])`;
      await sql`insert into products (store_id, external_id, sku, name, description, photos)
        select ${store}, 'e' || i, 'S' || i, 'n', 'A description', '{a}' from generate_series(1, 3000) i`;
      const ids = (await sql<{ id: string }[]>`select id from products where store_id = ${store} order by external_id limit 200`).map((r) => r.id);

      // Before: the plan made on the empty table (this server's tie between the store's indexes).
      const staleBefore = await pkeyScans(stale);
      await stale`select evaluate_quality(${store}::uuid, ${ids}::uuid[])`;
      // The hazard this guards against (PostgreSQL 15 and 18 alike): not one product by its key.
      expect((await pkeyScans(stale)) - staleBefore).toBeLessThan(200);

      expect(await analyzeGrownTables(sql)).toContain('products');
      expect(await analyzeGrownTables(sql)).toEqual([]); // analysed: no longer half its size
      const before = await pkeyScans(refreshed);
      await refreshed`select evaluate_quality(${store}::uuid, ${ids}::uuid[])`;
      // After: each product found by its primary key, once.
      expect((await pkeyScans(refreshed)) - before).toBe(200);
    } finally {
      await stale.end();
      await refreshed.end();
    }
  }, 120_000);

  it("analyses validation_issues after a chunk grew it, so that the next chunk's rules search only its own products' issues", async () => {
    // A database of its own, its validation_issues empty and never analysed, as a new server's.
    const own = await scratchDatabase('omni_stats');
    const ownSql = connect(own.url, 1);
    const worker = connect(own.url, 1); // a worker's connection: its plans made on the empty tables, and kept
    try {
      for (const table of GROWING_TABLES) await ownSql.unsafe(`alter table ${table} set (autovacuum_enabled = false)`);
      const partner = await createPartner(ownSql, randomBytes(32), { name: 'p' });
      const { storeId: store } = await createStore(ownSql, { partnerClientId: partner.partnerClientId, name: 's', warehouses: 0 });
      /** `count` new products without photos (MISSING_PHOTOS and LOW_QUALITY_SCORE each). */
      const insert = (tx: Queryable, from: number, count: number) => tx<{ id: string }[]>`
        insert into products (store_id, external_id, sku, name, description)
        select ${store}, 'i' || i, 'I' || i, 'n', 'Described' from generate_series(${from}::int, ${from + count - 1}::int) i
        returning id`.then((rows) => rows.map((r) => r.id));
      /** A chunk as the worker applies it, on its connection (its plans kept): the rules' reads of the issues' indexes. */
      const chunk = (from: number, count: number) => worker.begin(async (tx) => {
        const ids = await insert(tx, from, count);
        const before = await issueIndexEntriesRead(tx);
        await tx`select evaluate_quality(${store}::uuid, ${ids}::uuid[])`;
        return (await issueIndexEntriesRead(tx)) - before;
      });
      await chunk(1, 1000);
      await analyzeGrownTables(ownSql); // as the worker after each chunk: products (and now validation_issues)

      // The next chunk's rules meet the 200 issues they raise in the index (rows of this
      // statement's), not the store's 2,000 others (a plan made while validation_issues had no
      // statistics read all 2,200).
      const read = await chunk(1001, 100);
      expect(read).toBeGreaterThanOrEqual(200);
      expect(read).toBeLessThan(1000);
      const [{ open }] = await ownSql<{ open: number }[]>`select count(*)::int as open from validation_issues where store_id = ${store} and not resolved`;
      expect(open).toBe(2200);
    } finally {
      await worker.end();
      await ownSql.end();
      await own.drop();
    }
  }, 120_000);
});
