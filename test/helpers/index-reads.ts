import type { Queryable, Sql, Transaction } from '../../src/db/database.js';

/** How many entries of a table's indexes this transaction's statements read (validation_issues by default). */
export async function indexEntriesRead(tx: Queryable, table = 'validation_issues') {
  const [{ n }] = await tx<{ n: number }[]>`select coalesce(sum(pg_stat_get_xact_tuples_returned(i.indexrelid)), 0)::int as n
    from pg_index i where i.indrelid = ${table}::regclass`;
  return n;
}

/**
 * Runs `run` in a transaction of its own and says what it returned and how many entries of `table`'s
 * indexes it read (its statements' alone: the counts are the transaction's).
 */
export async function readsWhile<T>(sql: Sql, table: string, run: (tx: Transaction) => Promise<T>) {
  return sql.begin(async (tx) => {
    const before = await indexEntriesRead(tx, table);
    const result = await run(tx);
    return { result, read: (await indexEntriesRead(tx, table)) - before };
  });
}

/** How many entries of validation_issues' indexes this transaction's statements read. */
export const issueIndexEntriesRead = (tx: Queryable) => indexEntriesRead(tx, 'validation_issues');

/**
 * A marketplace's statistics: `stores` other stores of the partner's with 4 products each (one of
 * them with 2 variants), 4 open issues each, then ANALYZE. A generic plan, or a store compared
 * unseen (unseenStore), then estimates any store at a few rows, however many it holds.
 */
export async function spreadStatisticsThin(sql: Queryable, partnerClientId: string, stores = 2000) {
  await sql`with s as (insert into stores (partner_id, client_id, name)
      select p.id, 'thin-' || g || '-' || gen_random_uuid(), 'Small store' from partners p, generate_series(1, ${stores}::int) g
      where p.client_id = ${partnerClientId} returning id),
    p as (insert into products (store_id, external_id, sku, name, price, has_variants)
      select s.id, 'thin-' || i, 'THIN-' || i, 'Small product', 10, i = 4 from s, generate_series(1, 4) i returning store_id, id, external_id, has_variants),
    v as (insert into product_variants (store_id, product_id, external_id, sku, options)
      select p.store_id, p.id, 'thin-v' || j, 'THIN-V' || j, jsonb_build_object('Size', j::text) from p, generate_series(1, 2) j
      where p.has_variants returning 1)
    insert into validation_issues (store_id, product_id, code, severity, message)
    select p.store_id, p.id, c, 'WARNING', 'm' from p, unnest(array['MISSING_PHOTOS', 'LOW_QUALITY_SCORE']) c where not p.has_variants and p.external_id <> 'thin-3'`;
  await sql`analyze stores, products, product_variants, validation_issues, product_stock, warehouse_stock`;
}

/**
 * A big store the statistics do not know (after spreadStatisticsThin): `simple` simple products
 * (sku S-n, price 100) and 300 products of 2 variants each (price 50), with autovacuum off on the
 * catalog tables so that no analysis catches up with it while a test runs.
 */
export async function bigStoreUnseen(sql: Queryable, storeId: string, simple = 3000) {
  for (const t of ['products', 'product_variants', 'product_stock']) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  const products = await sql<{ id: string; sku: string }[]>`insert into products (store_id, external_id, sku, name, price)
    select ${storeId}, 'e' || i, 'S-' || i, 'n', 100 from generate_series(1, ${simple}::int) i returning id, sku`;
  const parents = await sql<{ id: string }[]>`insert into products (store_id, external_id, name, has_variants)
    select ${storeId}, 'pv' || i, 'n', true from generate_series(1, 300) i returning id`;
  const variants = await sql<{ id: string; sku: string; product_id: string }[]>`insert into product_variants (store_id, product_id, external_id, sku, options, price)
    select ${storeId}, p, p || '-' || j, 'V-' || p || '-' || j, jsonb_build_object('Size', j::text), 50
    from unnest(${parents.map((p) => p.id)}::uuid[]) p, generate_series(1, 2) j returning id, sku, product_id`;
  return { simple: products, variants };
}
