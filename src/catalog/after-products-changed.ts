import type { Queryable } from '../db/database.js';

/**
 * Called in the same transaction by every path that creates, updates or
 * deletes products (PATCH, bulk pipeline, PIM jobs), once per statement batch,
 * with the ids it touched. Set-based: the data-quality rules
 * (evaluate_quality, migration 0041) run once for the whole set, raising new
 * validation issues and resolving the ones the change fixed.
 */
export async function afterProductsChanged(tx: Queryable, storeId: string, productIds: readonly string[]): Promise<void> {
  if (productIds.length === 0) return;
  await tx`select evaluate_quality(${storeId}::uuid, ${productIds as string[]}::uuid[])`;
}
