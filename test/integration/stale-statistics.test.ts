import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { analyzeGrownTables, GROWING_TABLES } from '../../src/db/statistics.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
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
});
