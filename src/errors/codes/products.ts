import type { ErrorDefinitions } from '../types.js';

/** Single-product updates and reads (seed 003). */
export const productErrors = {
  PRD_001: { status: 404, message: 'Product not found', hint: 'No product of this store has this id (or, for a lookup by SKU, this SKU)' },
  PRD_010: { status: 412, message: 'Product was modified', hint: 'If-Match does not match the current version: read the product again (its ETag) and retry' },
  PRD_011: { status: 400, message: 'Field not allowed for a product with variants', hint: 'price, specialPrice, stock, sku and warehouses are set per variant in variants.items' },
  PRD_012: { status: 404, message: 'Variant not found', hint: 'A variant item id must be a variant of this product; omit id to match by externalId or sku, or to create' },
  PRD_013: { status: 400, message: 'Invalid If-Match header', hint: 'Send the product version as returned in the ETag header, e.g. If-Match: "3"' },
  PRD_014: { status: 409, message: 'Product is being modified by other requests', hint: 'Other writers kept changing this product while the update was applied; retry the request' },
  PRD_015: { status: 400, message: 'Duplicate variant options', hint: 'Two variants of a product name the same option values (e.g. Colour: Red, Size: L; compared without case); give each variant its own combination' },
} satisfies ErrorDefinitions;
