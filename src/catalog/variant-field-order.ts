import type { Queryable } from '../db/database.js';
import { priceColumnsSent } from './price-sequence.js';

/**
 * Acceptance order for variants (0125, 0127): which columns a variant item writes, and which
 * write made a product's variant set, recorded in field_runs as a product's fields are, so that
 * a with-variants row accepted before another write and applied after it leaves what that write set.
 */

/**
 * A variant item's columns as field_runs names them: its externalId, prices, options, barcode and
 * photos where sent; both prices with `pricesWhole` (a with-variants row's item writes them whole, README).
 */
export const variantColumnsSent = (item: { externalId?: unknown; price?: unknown; specialPrice?: unknown; options?: unknown; barcode?: unknown; photos?: unknown },
  pricesWhole = false) => [
  ...(item.externalId !== undefined ? ['external_id'] : []),
  ...(pricesWhole ? ['price', 'special_price'] : priceColumnsSent(item as { price?: number; specialPrice?: number })),
  ...(['options', 'barcode', 'photos'] as const).filter((column) => item[column] !== undefined),
];

/**
 * SQL: whether the product `alias` (a products row) was made simple again by a PATCH accepted
 * after `seq` (0129's mark, which stock chunks read too): a row accepted before then fails as if
 * the product had its variants still. A probe of a table that holds only such products.
 */
export const madeSimpleSince = (alias: string, seq: string) =>
  `exists (select from products_made_simple m where m.store_id = ${alias}.store_id and m.product_id = ${alias}.id and m.seq > ${seq})`;

/**
 * Records that the writes of these acceptance sequences made their products' variant sets (which
 * variants are active): a with-variants row accepted before one of them and applied after it then
 * leaves the set. Each product by both primary-key columns from a lookup of its own (as
 * deactivateOmittedVariants: a join on the store alone could read the store's every product).
 * `seq` null: a write applied now (PATCH /products/{id}), which takes a new sequence.
 */
export async function recordVariantSets(tx: Queryable, storeId: string, sets: { id: string; seq: string | null }[]): Promise<void> {
  if (sets.length === 0) return;
  await tx`
    update products p set field_runs = field_runs_written(p.field_runs, k.seq, product_field_mask('{variant_set}'))
    from (select x.store_id, x.id, coalesce(r.seq, nextval('batch_accept_seq') * 10000) as seq
      from jsonb_to_recordset(${tx.json(sets as any)}::jsonb) as r(id uuid, seq bigint)
      cross join lateral (select x.store_id, x.id from products x where x.store_id = ${storeId} and x.id = r.id offset 0) as x) k
    where p.store_id = k.store_id and p.id = k.id`;
}
