import type postgres from 'postgres';
import { AppError } from '../errors/app-error.js';

/**
 * How long a PATCH waits for a lock another writer holds (a product's row, its stock rows, the
 * store's key lock, which a with-variants chunk holds for its whole transaction, and the store's
 * row, which a claim of the store locks) before it gives up with PRD_014: a worker's chunk holds
 * them for tens to hundreds of milliseconds, a slow one for a second; a worker stopped mid-chunk
 * held them, and the PATCH, for ever (QA, forty-third session). apply_product_patch carries the
 * same value (migration 0151).
 */
export const PATCH_LOCK_TIMEOUT = '5s';

/** The first statement of a PATCH's own transaction: its lock waits end after PATCH_LOCK_TIMEOUT. */
export async function limitLockWaits(tx: postgres.TransactionSql): Promise<void> {
  await tx`select set_config('lock_timeout', ${PATCH_LOCK_TIMEOUT}, true)`;
}

/** PostgreSQL ended a statement whose lock wait passed lock_timeout (55P03): PRD_014, to retry. */
export function lockWaitTooLong(err: unknown, productId: string): AppError | null {
  if ((err as { code?: unknown } | null)?.code !== '55P03') return null;
  return new AppError('PRD_014', { productId, reason: `another writer held the product for more than ${PATCH_LOCK_TIMEOUT}` });
}
