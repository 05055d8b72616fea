import type { Queryable } from '../db/database.js';

/**
 * Deactivates the active variants of the given products whose SKU their rows no longer list (a
 * with-variants row writes its product's whole set: seed 000's variant sets), in one statement.
 *
 * Each product's variants are looked up on their own, by the store and the product (a lateral
 * lookup kept whole by offset 0), and the omitted ones updated by both primary-key columns from
 * that lookup. Joined as `v.store_id = $store and v.product_id = k.pid`, the store condition stood
 * alone on v: on statistics taken before the store had its variants (its own first import), the
 * planner read every variant of the store once a chunk through product_variants_product_idx and
 * hashed them against the chunk's products. bench/probe-variant-import.ts (20,000 parents of 3
 * variants, 250 a request, PostgreSQL 15): 12.5 ms a chunk by the end (19,500 variants read),
 * 1.6 s of the import's 6.6 s in the worker's backend, growing with the store. Not by ctid: a row
 * a stock update changed meanwhile would be skipped (its new version has another).
 */
export async function deactivateOmittedVariants(tx: Queryable, storeId: string, items: { pid: string; sku: string }[]): Promise<void> {
  if (items.length === 0) return;
  await tx`
    update product_variants v set is_active = false, position = null, updated_at = now()
    from (select r.pid, array_agg(r.sku) as skus from jsonb_to_recordset(${tx.json(items as any)}::jsonb) as r(pid uuid, sku text) group by r.pid) k
    cross join lateral (select x.store_id, x.id from product_variants x
      where x.store_id = ${storeId} and x.product_id = k.pid and x.is_active and x.sku <> all(k.skus) offset 0) as omitted
    where v.store_id = omitted.store_id and v.id = omitted.id and v.is_active`;
}
