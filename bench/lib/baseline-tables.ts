import type { Sql } from '../../src/db/database.js';

/**
 * `with (…)` of a table's storage parameters, for a baseline's table of the same kind, or ''.
 * `LIKE t INCLUDING ALL` copies columns, defaults, constraints and indexes, not these, and
 * fillfactor is one of them (products and product_variants 85, product_stock and
 * warehouse_stock 80: room kept on each page for updated rows, migrations 0063-0075): without
 * it a baseline's COPY filled its pages (12,544 where the products table takes 14,336 for the
 * same 100,000 rows; the COPY took the same time: medians 3.09 and 3.06 s, 3.68 and 3.49 s), and
 * the stock baseline's UPDATE found no room for a row's new version on its page, where ours
 * does: 2.95 s at fillfactor 100 against 2.63 s at 80, medians of four alternating runs
 * (bench/probe-copy-fillfactor.ts, 2026-12-05). Since then the baselines keep ours.
 */
export async function storageOf(sql: Sql, table: string): Promise<string> {
  const [{ options }] = await sql<{ options: string[] | null }[]>`select reloptions as options from pg_class where oid = ${table}::regclass`;
  return options?.length ? ` with (${options.join(', ')})` : '';
}

/** A baseline's table `name` shaped as `table`: its columns, defaults, indexes and storage parameters; no triggers. */
export async function createLike(sql: Sql, table: string, name: string): Promise<void> {
  await sql.unsafe(`create table ${name} (like ${table} including all)${await storageOf(sql, table)}`);
}
