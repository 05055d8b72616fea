import type { Queryable } from '../db/database.js';

/**
 * Takes the store's key lock (migrations 0085, 0090) as a writer of its variants does, before
 * the transaction writes anything. Its products' writes (new parents, a changed externalId or
 * SKU) take that lock shared, its variants' exclusive: without this, two with-variants chunks
 * (or PATCHes) of one store could each write their parents, hold it shared, and then wait for
 * each other's to be released (a deadlock, one of them ended and run again). Held until commit.
 */
export async function lockStoreKeysForVariants(tx: Queryable, storeId: string): Promise<void> {
  await tx`select lock_store_keys_for_variants(${storeId}::uuid)`;
}
