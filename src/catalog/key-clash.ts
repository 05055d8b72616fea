import type { Queryable } from '../db/database.js';
import { unseenStore } from '../db/key-lookup.js';

/**
 * Whether another product of the store holds this externalId or SKU, or a variant
 * of another product this SKU (both keys are unique per store across products and
 * variants): PRD_002 for an externalId, PRD_003 for a SKU, undefined when free.
 */
export async function findKeyClash(sql: Queryable, storeId: string, productId: string, externalId?: string, sku?: string) {
  if (externalId === undefined && sku === undefined) return undefined;
  const [clash] = await sql<{ external_id: string | null }[]>`
    select external_id from products where store_id = ${unseenStore(sql, storeId)} and id <> ${productId}
      and (external_id = ${externalId ?? null} or sku = ${sku ?? null})
    union all
    select null from product_variants where store_id = ${unseenStore(sql, storeId)} and product_id <> ${productId} and sku = ${sku ?? null}
    limit 1`;
  if (!clash) return undefined;
  return clash.external_id !== null && clash.external_id === externalId ? 'PRD_002' as const : 'PRD_003' as const;
}
