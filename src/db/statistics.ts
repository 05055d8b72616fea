import type { Sql } from './database.js';

/**
 * The tables that bulk writes grow and whose rows the write functions find by key: the catalog's,
 * and validation_issues, where the quality rules raise its products' issues and look a chunk's
 * open ones up by product id.
 */
export const GROWING_TABLES = ['products', 'product_variants', 'product_stock', 'warehouse_stock', 'validation_issues'];

/** From this many rows in a table's statistics on, autovacuum's own analyses keep them. */
const SMALL_TABLE_ROWS = 1_000;

/**
 * ANALYZEs each of those tables whose statistics describe it at less than half its present size,
 * while they count fewer than 1,000 rows; run by the worker after each committed bulk chunk.
 *
 * Why: the write paths' PL/pgSQL functions keep one generic plan per connection (0060), made at
 * their first call. Made while a table had a few rows, each (store_id, …) index of products
 * looked as good as another (every estimate is one row), and the plan kept probing by the store
 * alone: evaluate_quality of 1,000 products of a 50,000-product store took 67 s instead of
 * ~50 ms (the product found through products_store_lower_sku_idx, the duplicate-SKU probe
 * through products_store_price_idx, each reading the whole store). Such a plan lives until the
 * table is analysed, which invalidates it in every connection; autovacuum does so a minute or
 * more after the growth began, and a store's first big import (after a first try of a few
 * products, say) ran that minute on those plans. Analysing right after a chunk doubles a small
 * table bounds the window to one chunk; with 1,000 rows counted, a store's rows are estimated
 * at many (unless a thousand stores share them), and the key's index wins without help. So a
 * table is analysed here once or twice in its life (1,000 products: 10-12 ms; 2,700 warehouse
 * rows: 2-2.5 ms), after a check of pg_class after every chunk (~0.2 ms); with a limit of 10,000
 * rows instead, 4-5 times, and an import measured 1-6% slower in two alternating pairs.
 * validation_issues alike (a chunk's products raise their issues there, two a product without
 * photos): planned before its first analysis, the rules' resolving update read the store's open
 * issues through validation_issues_recent_idx, by the store alone, and compared each with the
 * chunk's 1,000 ids: an import of 100 chunks of such products, on one connection, read 2,000 n
 * entries at chunk n (1,086 ms at chunk 50, 73 at chunk 1) until autovacuum's analysis of
 * products replanned it, 59.6 s of evaluate_quality in all; analysed after its first chunk,
 * 63-79 ms a chunk, 7.1 s (bench/probe-issue-resolve.ts, embedded PostgreSQL 18). Statistics
 * taken while issues were spread over many small stores misled that update the same way, however
 * often analysed; 0108 made it read product by product, whatever the statistics say.
 * `skip_locked`, so that concurrent workers (or autovacuum) never wait on each other. A role that
 * may not analyse a table gets a warning ("only table or database owner can analyze it",
 * PostgreSQL 15), not an error, and the statistics stay autovacuum's.
 */
export async function analyzeGrownTables(sql: Sql): Promise<string[]> {
  const grown = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c
    where c.oid = any(${GROWING_TABLES}::regclass[]) and c.reltuples < ${SMALL_TABLE_ROWS}
      and pg_relation_size(c.oid) / current_setting('block_size')::int >= 2 * greatest(c.relpages, 1)
    order by c.relname`;
  if (grown.length === 0) return [];
  await sql.unsafe(`analyze (skip_locked) ${grown.map((t) => t.name).join(', ')}`);
  return grown.map((t) => t.name);
}
