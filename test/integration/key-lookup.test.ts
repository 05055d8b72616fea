import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectStatements, openDatabase, type Queryable, type Sql } from '../../src/db/database.js';
import { testConfig } from '../helpers/test-app.js';
import { lookupByKey, planEachExecution, unseenStore } from '../../src/db/key-lookup.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

/** Every scan of the looked-up table in a plan, with its index condition. */
function scans(node: any, table: string, out: { type: string; cond: string }[] = []) {
  if (node['Relation Name'] === table) out.push({ type: node['Node Type'], cond: node['Index Cond'] ?? '' });
  for (const child of node.Plans ?? []) scans(child, table, out);
  return out;
}

// A products table of its own (same columns and indexes), so its statistics are this test's.
const schema = `lookup_${randomUUID().replace(/-/g, '')}`;
let sql: Sql;
beforeAll(async () => {
  sql = connect(testDatabaseUrl(), 1);
  await sql.unsafe(`create schema ${schema}; create table ${schema}.products (like public.products including all)`);
  await sql.unsafe(`set search_path = ${schema}, public`);
});
afterAll(async () => { await sql.unsafe(`drop schema ${schema} cascade`); await sql.end(); });

describe('key lookups on statistics that predate the store', () => {
  const [older, store] = [randomUUID(), randomUUID()];

  it('lookupByKey finds each key through its own index', async () => {
    await sql`insert into products (store_id, external_id, sku, name) select ${older}, 'o' || i, 'O' || i, 'n' from generate_series(1, 100) i`;
    await sql`analyze products`;
    // The store's products arrive after the statistics were taken: they estimate it at one row.
    await sql`insert into products (store_id, external_id, sku, name) select ${store}, 'e' || i, 'S' || i, 'n' from generate_series(1, 3000) i`;
    for (const key of ['external_id', 'sku'] as const) {
      const values = Array.from({ length: 200 }, (_, i) => (key === 'sku' ? `S${i * 20 + 1}` : `new-${i}`));
      const query = lookupByKey(sql, { table: 'products', key, storeId: store, values, columns: 'x.id, x.external_id, x.sku' });
      const [{ 'QUERY PLAN': [plan] }] = await sql`explain (format json) ${query}`;
      const found = scans(plan.Plan, 'products');
      expect(found.length).toBeGreaterThan(0);
      // Each scan of products is an index scan conditioned on the key, never a scan of the store.
      for (const s of found) expect(s).toMatchObject({ type: expect.stringMatching(/Index/), cond: expect.stringContaining(key) });
      const rows = await query;
      expect(rows).toHaveLength(key === 'sku' ? 150 : 0);
    }
  });

  it("plans the API's single statements generically, which take the key's index", async () => {
    const db = await openDatabase(testConfig());
    try {
      const [{ plan_cache_mode: statements }] = await db.statements`show plan_cache_mode`;
      const [{ plan_cache_mode: transactions }] = await db.sql`show plan_cache_mode`;
      expect([statements, transactions]).toEqual(['force_generic_plan', 'auto']);
    } finally {
      await db.close();
    }
    // On this table's statistics (the test above), a product read by its id, as the pool plans it.
    const generic = connectStatements(testDatabaseUrl(), 1);
    try {
      await generic.unsafe(`set search_path = ${schema}, public`);
      const [{ id }] = await generic`select id from products where store_id = ${store} and external_id = 'e7'`;
      await generic.unsafe('prepare by_id (uuid, uuid) as select id, name from products where store_id = $1 and id = $2');
      const [{ 'QUERY PLAN': [plan] }] = await generic.unsafe(`explain (format json) execute by_id ('${store}', '${id}')`);
      expect(scans(plan.Plan, 'products')).toEqual([{ type: 'Index Scan', cond: expect.stringMatching(/store_id.*AND.*\bid\b/) }]);
    } finally {
      await generic.end();
    }
  });
});

describe('key lookups of a store that grows under them', () => {
  // The accept's lookups, run as it runs them (prepared, in transactions, on one connection), while
  // the store's first rows arrive: PostgreSQL may keep a generic plan after five executions.
  async function lookups(plannedEachTime: boolean) {
    const conn = connect(testDatabaseUrl(), 1);
    const table = `${schema}_grow_${plannedEachTime ? 'custom' : 'auto'}`;
    const store = randomUUID();
    try {
      await conn.unsafe(`create table ${table} (like public.products including all); set search_path = public`);
      const lookup = (tx: Queryable, n: number) => tx`
        select y.* from unnest(${Array.from({ length: n }, (_, i) => `g-${i}`)}::text[]) as k (v)
        cross join lateral (select x.id from ${tx(table)} x where x.store_id = ${unseenStore(tx, store)} and x.external_id = k.v limit 1) as y`;
      for (let run = 0; run < 12; run++) {
        await conn.begin(async (tx) => {
          if (plannedEachTime) await planEachExecution(tx);
          await lookup(tx, 10);
          await tx.unsafe(`insert into ${table} (store_id, external_id, sku, name) select '${store}', 'g-' || i, 'G' || i, 'n' from generate_series(${run * 300}, ${run * 300 + 299}) i`);
        });
      }
      const [prepared] = await conn<{ generic_plans: number; custom_plans: number }[]>`
        select generic_plans, custom_plans from pg_prepared_statements where statement like ${`%from "${table}" x%`}`;
      const found = await conn.begin(async (tx) => { if (plannedEachTime) await planEachExecution(tx); return lookup(tx, 1000); });
      return { generic: Number(prepared.generic_plans), custom: Number(prepared.custom_plans), found: found.length };
    } finally {
      await conn.unsafe(`drop table if exists ${table}`);
      await conn.end();
    }
  }

  it('plans them at every execution, never from a plan kept from when the table was small', async () => {
    // The mechanism the guard is for: left to itself, the connection switches to a generic plan.
    expect((await lookups(false)).generic).toBeGreaterThan(0);
    expect(await lookups(true)).toEqual({ generic: 0, custom: 12, found: 1000 });
  });
});
