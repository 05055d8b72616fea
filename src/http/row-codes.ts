import type { ErrorCode } from '../errors/catalogue.js';
import { productStockRules, sortedUnique, variantStockRules } from './error-responses.js';

/**
 * The codes a row can carry, one list per surface, typed against the catalogue: the OpenAPI
 * document lists them as enums. What an accepting endpoint refuses at once is proven by the
 * answers the suite sees (its RowErrorSchema, plugins/declared-errors.ts); what processing
 * records is checked where it is written (checkRecordedCodes), so under the suite a row recorded
 * with a code outside its surface's list fails the test that produced it.
 */

/** A simple products request's rows refused at once (catalog/product-rows.ts). */
const simpleProductRows = ['VAL_001', 'PRD_002', 'PRD_003', 'PRD_004', 'PRD_007', 'PRD_008', ...productStockRules] as const;
/** A products-with-variants request's rows refused at once (catalog/variant-product-rows.ts). */
const variantProductRows = ['VAL_001', 'PRD_002', 'PRD_003', 'PRD_004', 'PRD_007', 'PRD_008', 'PRD_015', ...variantStockRules] as const;

/** data.errors[].code of each accepting endpoint; only a products/bulk row names the product it updates (PRD_005 when wrong). */
export const acceptedRequestRowCodes = {
  catalogSync: simpleProductRows,
  productsBulk: [...simpleProductRows, 'PRD_005'],
  variantsSync: variantProductRows,
  variantsBulk: [...variantProductRows, 'PRD_005'],
  // inventory/stock-rows.ts
  inventory: ['VAL_001', 'INV_001', 'INV_002', 'INV_003', 'INV_004', 'INV_005', ...productStockRules, ...variantStockRules],
  // catalog/price-rows.ts
  prices: ['VAL_001', 'INV_001', 'INV_004', 'PRD_001', 'PRD_008', 'PRD_040', 'PRD_041'],
  // catalog/product-deletions.ts
  deletions: ['VAL_001', 'PRD_001', 'PRD_004'],
} as const satisfies Record<string, readonly ErrorCode[]>;

/**
 * What processing records for a row of a partner batch (batches/process-batch.ts recordOutcomes,
 * batches/batch-failure.ts): a key another writer took since acceptance (PRD_002, PRD_003), a
 * product deleted, of the other kind or renamed since (PRD_005; a price or deletion row PRD_001,
 * PRD_040), a special price another writer left (PRD_008), a stock row's product or variant
 * deleted (INV_001, INV_002, INV_003: by the identifier sent) or given variants (INV_005), what
 * else PostgreSQL alone refuses (batches/row-isolation.ts: VAL_001), a row of a batch given up on
 * (BAT_003). Not PRD_007: products hold their taxonomy ids without a foreign key, so nothing in
 * processing refuses one that accept let through.
 */
export const processedRowCodes = [
  'VAL_001', 'PRD_001', 'PRD_002', 'PRD_003', 'PRD_005', 'PRD_008', 'PRD_040',
  'INV_001', 'INV_002', 'INV_003', 'INV_005', 'BAT_003',
] as const satisfies readonly ErrorCode[];

/** rows[].code of a batch (GET …/batches/{batchId}): its rows refused at acceptance, and those processing failed. */
export const batchRowCodes = sortedUnique([...Object.values(acceptedRequestRowCodes), processedRowCodes]);

/**
 * item_errors[].code of a PIM bulk job (pim/bulk-job-items.ts, bulk-job-processing.ts): an item
 * that is not a writable product or id (VAL_001) or names a product again in a deletion (PRD_004);
 * what the writer or PostgreSQL refuses (PRD_002, PRD_003, VAL_001); a product that is not there
 * (PRD_001; PRD_005 in jobs run before 2026-12-06, which keep it); a category or brand
 * id that names nothing (PRD_007, looked up as the items are applied); a price or SKU of a product
 * with variants (PRD_011); an item of a job given up on (BAT_003).
 */
export const pimItemCodes = [
  'VAL_001', 'PRD_001', 'PRD_002', 'PRD_003', 'PRD_004', 'PRD_005', 'PRD_007', 'PRD_011', 'BAT_003',
] as const satisfies readonly ErrorCode[];
