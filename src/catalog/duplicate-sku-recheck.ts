import type { Task } from 'graphile-worker';
import type { Queryable } from '../db/database.js';

/** The task that checks DUPLICATE_SKU again after a write committed (migration 0123). */
export const DUPLICATE_SKU_RECHECK_TASK = 'catalog.recheck-duplicate-skus';

export interface DuplicateSkuRecheck {
  storeId: string;
  /** Lower-cased SKUs the write added, changed (old and new) or removed. */
  skus: string[];
  /** Products whose DUPLICATE_SKU issue the write raised, kept or resolved. */
  productIds: string[];
}

/**
 * Queued by evaluate_quality itself, in the writer's transaction (0123), not with enqueue.ts: the
 * SKUs are recorded by triggers of products and product_variants, which every writer fires (and
 * the renames' old SKUs exist nowhere else), and the job must be added in that same transaction.
 * The writer's own evaluation could not see another writer's uncommitted rows; this runs after its
 * commit, one follow-up of a store at a time (an advisory lock of the store; in no named queue:
 * 0123 says why), so the last one sees every writer's rows.
 * Idempotent: it evaluates the products again as they are now.
 */
export async function recheckDuplicateSkus(sql: Queryable, job: DuplicateSkuRecheck): Promise<void> {
  await sql`select recheck_duplicate_skus(${job.storeId}::uuid, ${job.skus}::text[], ${job.productIds}::uuid[])`;
}

/**
 * A transaction's follow-up is one job whose payload is an array (0123: each call of the
 * transaction adds its part); its parts are merged by store, one recheck a store.
 */
export function mergeRechecks(parts: DuplicateSkuRecheck[]): DuplicateSkuRecheck[] {
  const byStore = new Map<string, { skus: Set<string>; productIds: Set<string> }>();
  for (const part of parts) {
    const merged = byStore.get(part.storeId) ?? { skus: new Set<string>(), productIds: new Set<string>() };
    part.skus.forEach((s) => merged.skus.add(s));
    part.productIds.forEach((id) => merged.productIds.add(id));
    byStore.set(part.storeId, merged);
  }
  return [...byStore].map(([storeId, m]) => ({ storeId, skus: [...m.skus], productIds: [...m.productIds] }));
}

export function duplicateSkuTasks(deps: { sql: Queryable }): Record<string, Task> {
  return {
    [DUPLICATE_SKU_RECHECK_TASK]: async (payload) => {
      for (const recheck of mergeRechecks(payload as DuplicateSkuRecheck[])) await recheckDuplicateSkus(deps.sql, recheck);
    },
  };
}
