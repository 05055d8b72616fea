import type { Queryable } from '../db/database.js';
import { pageWithTotal } from '../db/page.js';
import { batchSummary, type BatchKind, type BatchStatus } from './batch-store.js';

/** What GET /partner/stores/batches can narrow its list to. */
export interface BatchFilter { status?: BatchStatus; kind?: BatchKind }

/**
 * One page of a store's batches, newest accepted first, and how many match in all (one
 * snapshot: db/page.ts). Read
 * through batches_store_seq_idx (0093); the packed rows and outcomes of each batch, which can
 * be megabytes, are not selected.
 */
export async function listBatches(sql: Queryable, storeId: string, filter: BatchFilter, page: number, limit: number) {
  const where = () => sql`store_id = ${storeId}
    ${filter.status ? sql`and status = ${filter.status}` : sql``}
    ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}`;
  const { total, rows } = await pageWithTotal<any>(sql,
    sql`select count(*)::int as total from batches where ${where()}`,
    sql`select id, request_id, kind, status, total, succeeded, failed, pending, created_at, started_at, completed_at
        from batches where ${where()}
        order by accepted_seq desc limit ${limit} offset ${(page - 1) * limit}`);
  return { items: rows.map(batchSummary), total };
}
