import type { Transaction } from '../db/database.js';
import type { RowOutcome } from './processors.js';

/**
 * What a row that PostgreSQL refused alone failed with. Accept-time validation keeps such rows
 * out (value ranges, keys taken, references); this is for what slips past it: a value whose
 * sum overflows a column, a key another writer took between acceptance and processing, stock
 * for a product that took variants meanwhile. (A taxonomy reference cannot be refused here: products
 * hold their category and brand ids without a foreign key, checked at accept, PRD_007.)
 */
export function refusedRowFailure(err: { code?: string; constraint_name?: string; message?: string }): { code: 'PRD_002' | 'PRD_003' | 'INV_005' | 'VAL_001'; details?: RowOutcome['details'] } {
  const constraint = err.constraint_name ?? '';
  // Stock for a product that took variants after its row was accepted (migration 0089).
  if (err.code === '23514' && constraint === 'stock_of_product_with_variants') return { code: 'INV_005', details: { context: { reason: 'The product took variants before the update was applied' } } };
  // Stock for a product given variants and made simple again after its row was accepted (0129).
  if (err.code === '23514' && constraint === 'stock_of_product_made_simple') {
    return { code: 'INV_005', details: { context: { reason: 'The product was given variants and made simple again after the update was accepted' } } };
  }
  if (err.code === '23505' && constraint.includes('external_id')) return { code: 'PRD_002' };
  if (err.code === '23505' && constraint.includes('sku')) return { code: 'PRD_003' };
  // In details.context, as every other row outcome's reason (it was details.reason until 2026-12-05).
  return { code: 'VAL_001', details: { context: { reason: err.message } } };
}

/**
 * Errors that belong to the rows a statement wrote (SQLSTATE classes 22, data exception, and
 * 23, integrity constraint violation), not to the database or the connection: retrying the
 * chunk would fail the same way on every attempt, and the batch would stay PENDING for ever.
 */
export const isRowDataError = (err: unknown): err is { code: string } =>
  typeof (err as any)?.code === 'string' && /^2[23]/.test((err as any).code);

/**
 * Applies `count` rows in a savepoint (`apply(sp, offset, count)`: the rows from `offset`); when
 * PostgreSQL refuses them for what they hold, they are applied again in halves, each in its own
 * savepoint, down to the single rows that fail alone, which `refuse(offset, err)` records: the
 * others still apply. One failing row among 1,000 costs ~20 more applications of parts of the
 * chunk (two a halving, each in its savepoint); the usual chunk, one SAVEPOINT and its RELEASE.
 * Results come back in the rows' order.
 */
export async function bisectingRefusedRows<T>(
  tx: Transaction, count: number,
  apply: (sp: Transaction, offset: number, count: number) => Promise<T[]>,
  refuse: (offset: number, err: { code: string }) => Promise<T[]> | T[],
  offset = 0,
): Promise<T[]> {
  try {
    return (await tx.savepoint((sp) => apply(sp as unknown as Transaction, offset, count))) as T[];
  } catch (err) {
    if (!isRowDataError(err)) throw err;
    if (count === 1) return refuse(offset, err);
    const half = Math.ceil(count / 2);
    return [
      ...await bisectingRefusedRows(tx, half, apply, refuse, offset),
      ...await bisectingRefusedRows(tx, count - half, apply, refuse, offset + half),
    ];
  }
}

/** bisectingRefusedRows over a chunk's rows: a row refused alone gets a FAILED outcome. */
export function isolatingRefusedRows<R extends { rowIndex: number }>(
  tx: Transaction, rows: R[], apply: (tx: Transaction, rows: R[]) => Promise<RowOutcome[]>,
): Promise<RowOutcome[]> {
  return bisectingRefusedRows(tx, rows.length, (sp, offset, count) => apply(sp, rows.slice(offset, offset + count)),
    (offset, err) => [{ rowIndex: rows[offset].rowIndex, status: 'FAILED', ...refusedRowFailure(err) }]);
}
