import type { Transaction } from '../db/database.js';
import { unseenStore } from '../db/key-lookup.js';
import type { VariantProductPayload } from './variant-product-rows.js';

/** A row of products with variants whose variant's key another writer took since it was accepted. */
export interface VariantKeyClash {
  rowIndex: number;
  code: 'PRD_002' | 'PRD_003';
  /** variants.items.<k>.sku or .externalId */
  field: string;
  sku: string;
}

/**
 * Thrown inside a chunk's savepoint when a variant of it was not written (its SKU was
 * another product's: the upsert skips such a row), so that the savepoint rolls the
 * chunk back, parents included, and the clashing rows are found and left out.
 */
export class VariantNotWritten extends Error {
  constructor() { super('a variant of the chunk was not written: its key is taken'); }
}

/**
 * The rows whose variant SKU or externalId is now held by a product, or by a variant
 * other than the one the item updates (the target product's variant with that SKU),
 * with one statement for the chunk. Keys are checked at accept time, so this runs only
 * after a chunk's write found one taken; the writers it raced have committed by then
 * (a unique index waits for them), so this statement sees their keys.
 */
export async function findVariantKeyClashes(tx: Transaction, storeId: string, rows: { rowIndex: number; payload: VariantProductPayload }[]) {
  const items = rows.flatMap((r) => r.payload.items.map(({ item }, k) => ({
    row_index: r.rowIndex, k, product_id: r.payload.id ?? null, sku: item.sku, external_id: item.externalId ?? null,
  })));
  const store = unseenStore(tx, storeId);
  const clashes = await tx<{ row_index: number; k: number; sku: string; sku_taken: boolean }[]>`
    select i.row_index, i.k, i.sku,
      exists (select from products p where p.store_id = ${store} and p.sku = i.sku)
        or exists (select from product_variants v where v.store_id = ${store} and v.sku = i.sku
          and v.product_id is distinct from i.product_id) as sku_taken
    from jsonb_to_recordset(${tx.json(items as any)}::jsonb) as i (row_index int, k int, product_id uuid, sku text, external_id text)
    where exists (select from products p where p.store_id = ${store} and (p.sku = i.sku or p.external_id = i.external_id))
      or exists (select from product_variants v where v.store_id = ${store} and v.sku = i.sku and v.product_id is distinct from i.product_id)
      or exists (select from product_variants v where v.store_id = ${store} and v.external_id = i.external_id
        and not (v.product_id = i.product_id and v.sku = i.sku))
    order by i.row_index, i.k`;
  const byRow = new Map<number, VariantKeyClash>();
  for (const c of clashes) {
    if (byRow.has(c.row_index)) continue;
    byRow.set(c.row_index, {
      rowIndex: c.row_index, code: c.sku_taken ? 'PRD_003' : 'PRD_002', sku: c.sku,
      field: `variants.items.${c.k}.${c.sku_taken ? 'sku' : 'externalId'}`,
    });
  }
  return [...byRow.values()];
}
