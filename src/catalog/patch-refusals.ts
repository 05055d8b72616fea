import { AppError } from '../errors/app-error.js';
import { isRowDataError, refusedRowFailure } from '../batches/row-isolation.js';
import { stockOverIntegerReason } from '../inventory/warehouse-rules.js';
import type { ProductPatchInput } from './product-schema.js';

/**
 * VAL_001 for stock whose sum would not fit the integer that holds it: each value passes
 * its schema (at most 2,147,483,647), but a product's or variant's stock is the sum of its
 * warehouse rows, which the stock triggers write, and that sum can pass it.
 */
export function stockTotalTooLarge(field: string, whose: 'product' | 'variant'): AppError {
  return new AppError('VAL_001', { field, reason: stockOverIntegerReason(whose) });
}

/** The stock field a PATCH sent, for an overflow that only PostgreSQL saw. */
function sentStockField(patch: ProductPatchInput): string | undefined {
  if (patch.variants?.items.some((i) => i.stock !== undefined || i.warehouses !== undefined)) return 'variants';
  if (patch.warehouses !== undefined) return 'warehouses';
  return patch.stock !== undefined ? 'stock' : undefined;
}

/**
 * What PostgreSQL refused in a PATCH's statements, as the catalogue's errors: a value
 * (SQLSTATE class 22) is VAL_001 with PostgreSQL's reason, a key another writer holds
 * (class 23: the unique indexes, and 0085's triggers across products and variants)
 * PRD_002 or PRD_003, as for bulk rows (row-isolation.ts). The checks before the writes
 * find these first; this is for what they cannot see (another writer's key or stock
 * committed meanwhile). Anything else is left as it is (a 500).
 */
export function patchRefusal(err: unknown, patch: ProductPatchInput): unknown {
  if (err instanceof AppError || !isRowDataError(err)) return err;
  const { code, details } = refusedRowFailure(err);
  const e = err as { code: string; table_name?: string; message?: string };
  if (code === 'PRD_002' || code === 'PRD_003') {
    const field = e.table_name === 'product_variants' ? 'variants.items' : code === 'PRD_002' ? 'externalId' : 'sku';
    return new AppError(code, { field, reason: e.message });
  }
  // The integers a PATCH writes are bounded by their schemas, except the stock sums.
  const field = e.code === '22003' ? sentStockField(patch) : undefined;
  return new AppError(code, { ...(field ? { field } : {}), ...(details?.context as Record<string, unknown> | undefined) });
}
