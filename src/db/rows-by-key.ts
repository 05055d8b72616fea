import type { Queryable } from './database.js';
import { rowOfKey } from './key-lookup.js';

export interface RowsByIds {
  table: 'products' | 'product_variants';
  storeId: string;
  ids: readonly string[];
  /** A further condition on the row, over the table's alias x (e.g. "not x.has_variants"): rows that fail it are left alone. */
  where?: string;
}

/**
 * The store's rows whose id is one of `ids` (`columns` over the table's alias x), in id order,
 * each found in a LATERAL subquery by (store_id, id): no plan turns that into a scan of the
 * store. A plain `… where store_id = $store and id = any($ids)` does, on a marketplace's
 * statistics (many small stores): every store is estimated at a few rows, and the planner took
 * an index whose only condition is the store (products_store_lower_sku_idx), the ids a mere
 * filter (100 ids in a 5,000-product store: 5,000 index entries read). Each row is found as
 * lookupByKey finds one (rowOfKey, key-lookup.ts), here by id, with a condition, and without
 * lookupByKey's probe for the store's variants.
 * `lock`: the rows are locked in id order, so that two writers of the same rows wait for each
 * other instead of deadlocking.
 */
export function rowsByIds(tx: Queryable, q: RowsByIds, columns: string, lock?: 'update' | 'no key update') {
  return tx`
    select y.* from (select distinct v from unnest(${q.ids as string[]}::uuid[]) as v order by v) as k (v)
    ${rowOfKey(tx, { table: q.table, key: 'id', storeId: q.storeId, columns, where: q.where, lock })}`;
}

/**
 * Locks the rows (rowsByIds) and returns their ctids, for a write by ctid (a TID scan, the only
 * plan for `ctid = any(…)`) in a LATER statement. The lock makes the ctids safe to write by: in
 * READ COMMITTED, a row updated since the lookup's snapshot is locked in its newest version (and
 * rechecked), nothing can move it before the write, and the write's statement (a new snapshot)
 * sees that version. Written in the lookup's statement instead, such a row would be found
 * updated, `ctid = any(…)` rechecked on its new version, and the row skipped.
 * 'update' before a DELETE, 'no key update' before an UPDATE that leaves the keys (the lock the
 * UPDATE itself takes: inserts of rows that reference it do not wait).
 */
export async function lockByIds(tx: Queryable, q: RowsByIds, lock: 'update' | 'no key update'): Promise<string[]> {
  if (q.ids.length === 0) return [];
  const rows = await tx<{ ctid: string }[]>`${rowsByIds(tx, q, 'x.ctid', lock)}`;
  return rows.map((r) => r.ctid);
}

/**
 * The condition that finds `alias`'s rows by ctids (`param`, a tid[] parameter) locked by an earlier
 * statement of the transaction (lockByIds): a TID scan, whatever the statistics say of the store.
 * The array goes through a sub-select so that the planner does not count its elements: seen,
 * 1,000 ctids were priced at a random page each and a seq scan of a 14,000-product table looked
 * cheaper. The rows were found by the store and id: the write needs no store condition, and one
 * would let the planner read the store by it instead.
 */
export const atLockedRows = (alias: string, param: string) => `${alias}.ctid = any((select ${param}::tid[])::tid[])`;

/** Deletes the store's rows whose id is one of `ids` (lockByIds, then by ctid); `returning` over the table's columns. */
export async function deleteByIds<T extends object>(tx: Queryable, q: RowsByIds, returning: string): Promise<T[]> {
  const ctids = await lockByIds(tx, q, 'update');
  return tx.unsafe<T[]>(`delete from ${q.table} x where ${atLockedRows('x', '$1')} returning ${returning}`, [ctids as any]);
}
