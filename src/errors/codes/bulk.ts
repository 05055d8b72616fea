import type { ErrorDefinitions } from '../types.js';

/** The async pipeline (seeds 000, 001, 002): row outcomes, batches, idempotency and inventory. */
export const bulkErrors = {
  PRD_002: { status: 409, message: 'Product with this external ID already exists', hint: 'externalIds are unique per store (products and variants). Catalog sync only creates, and so does a products/bulk row without id: to update the product, send its id in a products/bulk row (a product with variants: products/with-variants/bulk) or PATCH it' },
  PRD_003: { status: 409, message: 'Product with this SKU already exists', hint: 'SKUs are unique per store (products and variants): choose another SKU, or update the product that holds it (its id in a products/bulk row, a product with variants through products/with-variants/bulk, or PATCH)' },
  PRD_004: { status: 400, message: 'Duplicate row in request', hint: 'Each externalId and sku may appear once per request' },
  PRD_005: { status: 404, message: 'Product id does not match', hint: 'A row that carries an id updates that product; the id must exist in this store and match the row externalId' },
  PRD_006: { status: 413, message: 'Too many rows in one request', hint: 'Send at most 1,000 rows per request; split larger imports' },
  PRD_007: { status: 400, message: 'Unknown category, sub-category, type or brand reference', hint: 'Use the ids from the reference endpoints (categories, sub-categories, types, brands)' },
  PRD_008: { status: 400, message: 'Special price must be below price', hint: 'Send a specialPrice lower than price, or null' },
  INV_001: { status: 404, message: 'Invalid SKU', hint: 'No product or variant of this store has this SKU' },
  INV_002: { status: 404, message: 'Invalid Product ID', hint: 'No product of this store has this id' },
  INV_003: { status: 404, message: 'Invalid External ID', hint: 'No product or variant of this store has this externalId' },
  INV_004: { status: 400, message: 'Exactly one identifier required', hint: 'Identify each item by exactly one of sku, id or externalId' },
  INV_005: { status: 400, message: 'Product has variants', hint: 'Stock of a product with variants is set on its variants: address them by sku or externalId (context.variants lists them)' },
  PRD_040: { status: 400, message: 'Product has variants', hint: 'Prices of a product with variants are set per variant: address each variant by its sku' },
  PRD_041: { status: 400, message: 'Nothing to update', hint: 'Send price, specialPrice or both' },
  BAT_001: { status: 404, message: 'Batch not found', hint: 'Use the batchId returned when the request was accepted' },
  BAT_002: { status: 404, message: 'Request not found', hint: 'Use the requestId returned when the request was accepted' },
  BAT_003: { status: 500, message: 'Row could not be processed', hint: "Processing gave up without applying this row (a batch row's details.context.reason, a PIM bulk job item's error, says why): send it again, or contact support with the batchId or job id" },
  IDEM_001: { status: 409, message: 'Idempotency-Key reused with a different request', hint: 'A key identifies one request: send the same method, path and body to replay it (context.originalRoute), or use a new key' },
  IDEM_002: { status: 400, message: 'Invalid Idempotency-Key', hint: 'Send 1 to 255 visible ASCII characters' },
} satisfies ErrorDefinitions;
