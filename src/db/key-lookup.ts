import type { Queryable } from './database.js';

/**
 * A uuid as PostgreSQL returns it (lower case): the key to find a looked-up row by the uuid a
 * request sent. The validator accepts upper case and PostgreSQL matches it, but a Map keyed by
 * the returned text misses an id sent in upper case.
 */
export const uuidKey = (id: string) => id.toLowerCase();

/** A uuid as text, in either case (PostgreSQL's uuid type reads both): the one pattern every check uses. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KeyLookup {
  /** Table whose rows are found, keyed by (store_id, key). */
  table: 'products' | 'product_variants' | 'warehouses';
  /** The key column, unique per store (id, sku, external_id, client_id). */
  key: 'id' | 'sku' | 'external_id' | 'client_id';
  storeId: string;
  values: readonly string[];
  /** The select list, over the table's alias x (e.g. "x.id, x.sku"). */
  columns: string;
}

/**
 * A store's id as the planner does not see it, for `store_id = ${unseenStore(sql, id)}` in a
 * statement that finds rows by a store and keys. With the value in sight, statistics taken
 * before the store had products estimate it holds one row, so every (store_id, …) index
 * looks as good as the key's, and the planner took one whose only condition is the store:
 * each key then read the whole store (lookupByKey, 1,000 keys in a 30,000-product store:
 * 7-9 s instead of 1.9 ms; in one of five bench imports the accept's lookups took 17.1 s of
 * PostgreSQL's time instead of 1.2-1.8 s; 300 SKUs by `sku = any(…)`: 36.3 against 2.2 ms).
 * Unseen, the store is estimated at the average store's share of the table, and only the
 * key's index finds few rows. Not enough where many small stores share the table (a
 * marketplace): the average store is a few rows too, and `store_id = unseen and key = any(…)`
 * read a 50,000-product store whole (51 ms for 1,000 ids against 6 ms, PostgreSQL 15). So a
 * set of keys is looked up key by key: lookupByKey here, rowsByIds (rows-by-key.ts).
 */
export const unseenStore = (sql: Queryable, storeId: string) => sql`(select ${storeId}::uuid)`;

/**
 * Plans the rest of the transaction's statements at every execution (a custom plan), for a
 * transaction that looks keys up (lookupByKey). postgres.js prepares every statement, and
 * after five executions PostgreSQL may keep a generic plan for the connection's life. Made
 * while a store's first import had only begun (the products table a few pages, every
 * (store_id, …) index as cheap as another, the store unseen: unseenStore), such a plan probed
 * each key through products_store_lower_sku_idx with the key as a mere filter, and kept doing
 * so as the store grew: in one bench import of five, an accept's lookups took 12-52 ms on
 * average and up to 2.1 s instead of ~5 ms (auto_explain, tenth session). Planned anew, each
 * execution sees the table's current size, and the key's index. Planning the accept's four
 * lookups costs ~0.4-0.6 ms (EXPLAIN EXECUTE, PostgreSQL 15).
 * Start it before the transaction's first lookup (postgres.js sends a query once it is awaited):
 * beside the lookups in one Promise.all, it is pipelined with them.
 */
/** In a lookup's columns over product_variants (x): the externalId of the variant's product, which a variant's accepted row names (seed 002). */
export const VARIANT_PRODUCT_EXTERNAL_ID = '(select p.external_id from products p where p.store_id = x.store_id and p.id = x.product_id)';

export const planEachExecution = (tx: Queryable) => tx`set local plan_cache_mode = force_custom_plan`;

/**
 * The rows of one store whose key is one of `values`, each found through its
 * (store_id, key) index, one lookup per value. A plain `key = any($values)`
 * leaves the choice to the planner, and on statistics from before a store's
 * first import (autovacuum analyses once a minute at best) it read the whole
 * store for every request: 7.8 ms at 10,000 products, growing with the store.
 * Values are unnested and each is looked up in a LATERAL subquery with LIMIT 1,
 * which the planner cannot turn into one scan of the store for the whole list (4.9 ms
 * for 1,000 keys in a 10,000-product store on such statistics, against 13 ms for `= any`);
 * the store is compared unseen (unseenStore), so that no key's probe scans the store either.
 */
export function lookupByKey(sql: Queryable, q: KeyLookup) {
  const cast = q.key === 'id' ? 'uuid' : 'text';
  // Most stores sell simple products only: for variants, one probe first tells whether the
  // store has any, and when it has none the per-key lookups never run (a one-time filter,
  // evaluated once: 1,000 index probes saved per request). The probe reads the store's first
  // entry of product_variants_product_idx: the order by an indexed column (kept by offset 0,
  // which an EXISTS would otherwise drop with it) prices a sequential scan at the whole table.
  // Without it, where the statistics give the store many variants, the plan was a scan that
  // stops at the first, and read every variant stored before the store's (3,000 in
  // store-probes.test.ts).
  const storeHasRows = q.table === 'product_variants'
    ? sql`where exists (select from product_variants z where z.store_id = ${q.storeId} order by z.product_id offset 0 limit 1)` : sql``;
  return sql`
    select y.* from unnest(${q.values as string[]}::${sql.unsafe(cast)}[]) as k (v)
    ${rowOfKey(sql, q)}
    ${storeHasRows}`;
}

/**
 * `cross join lateral (…) as y`: the store's row whose key is k.v (the enclosing query's value),
 * found by the store (unseen) and the key, LIMIT 1: one probe of the key's index per value. The
 * one form of every lookup by key (lookupByKey, rows-by-key.ts). `where`: a further condition over
 * x; `lock`: the row locked (FOR …).
 */
export function rowOfKey(sql: Queryable, q: Omit<KeyLookup, 'values'> & { where?: string; lock?: 'update' | 'no key update' }) {
  const where = q.where ? sql.unsafe(`and ${q.where}`) : sql``;
  const lock = q.lock ? sql.unsafe(`for ${q.lock}`) : sql``;
  return sql`cross join lateral (select ${sql.unsafe(q.columns)} from ${sql(q.table)} x
    where x.store_id = ${unseenStore(sql, q.storeId)} and x.${sql(q.key)} = k.v ${where} limit 1 ${lock}) as y`;
}
