import type { Queryable } from './database.js';
import { unseenStore } from './key-lookup.js';

export interface LockById {
  table: 'products' | 'product_variants';
  storeId: string;
  ids: readonly string[];
  /** The select list, over the table's alias x (e.g. "x.id, x.price"). */
  columns: string;
}

/**
 * The rows of one store whose id is one of `ids`, locked FOR UPDATE in id order, each found
 * through the primary key, with `at`, its ctid, to write it by (atLockedRows). A plain
 * `store_id = … and id = any(…) order by id for update` leaves the index to the planner: on a
 * marketplace's statistics (2,000 small stores) it estimated a store of 6,000 products at 4 rows
 * and read all 6,000 through products_store_lower_sku_idx, with the ids as a mere filter, for
 * 100 ids. One lookup per id in a LATERAL with LIMIT 1 (as lookupByKey) cannot become a scan of
 * the store. The ids are sorted before the nested loop, which keeps their order: two writers of
 * the same rows wait for each other instead of deadlocking. A row another transaction updates
 * meanwhile is locked in its new version (READ COMMITTED re-checks store and id on it); one it
 * deletes is left out.
 */
export function lockRowsById(sql: Queryable, q: LockById) {
  return sql`
    select y.* from (select distinct v from unnest(${q.ids as string[]}::uuid[]) as v order by v) as k (v)
    cross join lateral (select x.ctid::text as at, ${sql.unsafe(q.columns)} from ${sql(q.table)} x
      where x.store_id = ${unseenStore(sql, q.storeId)} and x.id = k.v limit 1 for update) as y`;
}

/**
 * The condition that finds `alias`'s rows by the ctids (`param`, a tid[]) lockRowsById returned
 * earlier in the transaction: a TID scan, whatever the statistics say of the store. Locked by a
 * statement before, the rows keep those ctids and are visible to the write's snapshot (a lock
 * taken in the write itself could meet a version newer than its snapshot, and a TID scan
 * re-checks an updated row's new ctid against the list: the row would be skipped). The array
 * goes through a sub-select so that the planner does not count its elements: seen, 1,000 ctids
 * are priced at a random page each and a seq scan of a 14,000-product table looked cheaper.
 * The rows were found by the store and id: the write needs no store condition, and one would
 * let the planner read the store by it instead.
 */
export const atLockedRows = (alias: string, param: string) => `${alias}.ctid = any((select ${param}::tid[])::tid[])`;
