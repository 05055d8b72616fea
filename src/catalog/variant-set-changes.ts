import type { Queryable } from '../db/database.js';
import { atLockedRows, lockByIds } from '../db/rows-by-key.js';
import type { VariantLook } from './variant-diff.js';
import { variantReadOrder } from './variant-order.js';

/**
 * A product's variant set as a reader sees it (a JSON array of each variant's values, as text: it is
 * compared as text, and parsed only for the audit of a product it changed, variantLooksOf), and its
 * variants' stock, in the same order. (A jsonb object of the variants, parsed for every product,
 * made the read ~3.5 times slower: 114 against 32 ms for 5,000 variants; review.), and the order
 * they are read in (a set sent in a new order changes it: 0149), as their SKUs.
 */
type Looks = { set: string; stock: string; order: string };

/** Each variant's values by SKU, from its product's looks (for the audit: variant-diff.ts). */
export function variantLooksOf(looks: Looks | undefined): Record<string, VariantLook> {
  if (!looks?.set) return {};
  const rows = JSON.parse(looks.set) as [string, string | null, Record<string, string>, number | null, number | null, string | null, string[], boolean][];
  const stocks = looks.stock.split(',').map(Number);
  return Object.fromEntries(rows.map(([sku, externalId, options, price, specialPrice, barcode, photos, isActive], i) =>
    [sku, { externalId, options, price, specialPrice, barcode, photos, isActive, stock: stocks[i] }]));
}

/** The SKUs of a product's variants in the order they are read (0149), from its looks (for the audit). */
export const variantOrderOf = (looks: Looks | undefined): string[] => (looks?.order ? JSON.parse(looks.order) as string[] : []);

/** A product's variants' values and order before and after a write, as variantSetDiff compares them. */
export const variantSetBeforeAfter = (before: Looks | undefined, after: Looks | undefined) => [
  { looks: variantLooksOf(before), order: variantOrderOf(before) }, { looks: variantLooksOf(after), order: variantOrderOf(after) },
] as const;

/**
 * What the variant sets of products with variants look like (each variant's keys, options,
 * prices, barcode, photos and whether it is active; apart, each variant's stock), for the products
 * a with-variants row updates: compared before and after the row's writes, they tell whether the
 * row changed the set, its stock, or nothing.
 *
 * A with-variants row moves its product's version and updated_at (`updatedSince`) when it changes
 * the product's own fields (writeProducts) or its variant set (here), not its stock alone (as for a
 * simple product); it is told (audit event, product.updated) when it changes any of them. One that
 * finds everything already there does neither, as a products/bulk row: a nightly full sync then
 * lists and sends nothing. Each product's variants are looked up by the store and the product (a
 * lateral kept whole by offset 0), as deactivateOmittedVariants does: no plan reads the store's.
 */
export async function variantSetLooks(tx: Queryable, storeId: string, productIds: string[]): Promise<Map<string, Looks>> {
  if (productIds.length === 0) return new Map();
  const rows = await tx<{ id: string; set: string | null; stock: string | null; read_order: string | null }[]>`
    select k.id, v.set, v.stock, v.read_order from unnest(${productIds}::uuid[]) as k (id)
    cross join lateral (select
        json_agg(json_build_array(x.sku, x.external_id, x.options, x.price, x.special_price, x.barcode, x.photos, x.is_active) order by x.id)::text as set,
        string_agg(x.stock::text, ',' order by x.id) as stock,
        json_agg(x.sku order by ${tx.unsafe(variantReadOrder('x'))})::text as read_order
      from product_variants x where x.store_id = ${storeId}::uuid and x.product_id = k.id offset 0) as v`;
  return new Map(rows.map((r) => [r.id, { set: r.set ?? '', stock: r.stock ?? '', order: r.read_order ?? '' }]));
}

/**
 * The products of `before` whose variant set or stock the writes since changed. Those whose set
 * changed get a new version and updated_at, but for `movedAlready` (their own fields did).
 */
export async function variantSetChanges(tx: Queryable, storeId: string, before: Map<string, Looks>, movedAlready: Set<string>)
  : Promise<{ changed: Set<string>; after: Map<string, Looks> }> {
  const after = await variantSetLooks(tx, storeId, [...before.keys()]);
  // The order as read, not the places written: the first resend of a set after 0149 writes them
  // where there were none, and changes nothing a reader sees when they keep the order (review).
  const setChanged = [...before].filter(([id, was]) => after.get(id)?.set !== was.set || after.get(id)?.order !== was.order).map(([id]) => id);
  const toMove = setChanged.filter((id) => !movedAlready.has(id));
  if (toMove.length > 0) {
    // By ctid, found by (store, id) one at a time (rows-by-key.ts; locked already): joined by the
    // store and the ids, a marketplace's statistics hashed the store's products (review).
    const at = await lockByIds(tx, { table: 'products', storeId, ids: toMove }, 'update');
    await tx.unsafe(`update products p set version = p.version + 1, updated_at = now() where ${atLockedRows('p', '$1')}`, [at as any]);
  }
  return { changed: new Set([...setChanged, ...[...before].filter(([id, was]) => after.get(id)?.stock !== was.stock).map(([id]) => id)]), after };
}
