import type { Queryable } from '../db/database.js';

/**
 * Called in the same transaction by every path that creates, updates or
 * deletes products (PATCH, bulk pipeline, PIM jobs), once per statement batch,
 * with the ids it touched. Set-based: the data-quality rules
 * (evaluate_quality, migrations 0041/0060) run once for the whole set, raising new
 * validation issues and resolving the ones the change fixed.
 */
export async function afterProductsChanged(tx: Queryable, storeId: string, productIds: readonly string[],
  opts: { created?: boolean } = {}): Promise<void> {
  if (productIds.length === 0) return;
  // created: every one of them was inserted by this transaction, so none has an open issue to
  // resolve and the rules skip the lookup of 1,000 products' open issues (0108).
  await tx`select evaluate_quality(${storeId}::uuid, ${productIds as string[]}::uuid[], ${opts.created === true})`;
}

/**
 * The products columns the data-quality rules read (migration 0041: descriptions,
 * photos, barcodes, prices, SKUs, and the score's brand, category, weight and
 * dimensions; variants' SKUs through their product). An update that changes none
 * of them cannot raise or resolve an issue, so it need not evaluate the rules.
 * A new rule that reads another column must add it here.
 */
export const QUALITY_RULE_COLUMNS: ReadonlySet<string> = new Set([
  'description', 'photos', 'barcode', 'price', 'special_price', 'sku', 'brand_id', 'category_id',
  'weight', 'length', 'width', 'height',
  // Whether the rules read its variants' barcodes (0100; their SKUs are read either way, 0103); it
  // changes only with a variant set, whose path evaluates the product anyway.
  'has_variants',
]);

export const touchesQualityRules = (columns: Iterable<string>) => [...columns].some((c) => QUALITY_RULE_COLUMNS.has(c));
