import type { Queryable } from '../db/database.js';
import { pageWithTotal } from '../db/page.js';
import { NOT_OURS, packCursor, pageAndCursor, refuseCursor, unpackCursor, WITHOUT_PAGE } from '../db/list-cursor.js';
import { batchSummary, type BatchKind, type BatchReader, type BatchStatus } from './batch-store.js';

/** What GET /partner/stores/batches can narrow its list to. */
export interface BatchFilter { status?: BatchStatus; kind?: BatchKind }

/**
 * The batches list's cursor: the acceptance sequence of the page's last batch (the list's order,
 * one number for every batch, hence no ties). A page sent `after` it reads the batches accepted
 * before it, however many were accepted since (db/list-cursor.ts).
 */
const BATCHES = 'batches';
export const encodeBatchCursor = (seq: string) => packCursor([BATCHES, seq]);
function decodeBatchCursor(after: string, page: number): string {
  if (page !== 1) throw refuseCursor(WITHOUT_PAGE);
  const parts = unpackCursor(after);
  if (parts.length !== 2 || parts[0] !== BATCHES || !/^[1-9]\d{0,18}$/.test(parts[1]) || BigInt(parts[1]) > MAX_BIGINT) throw refuseCursor(NOT_OURS);
  return parts[1];
}
const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * One page of a store's batches sent by the partner reading them (batch-store.ts, BatchReader),
 * newest accepted first, and how many match in all (one snapshot: db/page.ts), with the cursor of
 * the page's end. Read through batches_store_partner_seq_idx (0154); the packed rows and outcomes
 * of each batch, which can be megabytes, are not selected.
 */
export async function listBatches(sql: Queryable, reader: BatchReader, filter: BatchFilter, page: number, limit: number, after?: string) {
  const before = after === undefined ? undefined : decodeBatchCursor(after, page);
  const where = () => sql`store_id = ${reader.storeId} and partner_id = ${reader.partnerId}
    ${filter.status ? sql`and status = ${filter.status}` : sql``}
    ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}`;
  const { total, rows } = await pageWithTotal<any>(sql,
    sql`select count(*)::int as total from batches where ${where()}`,
    sql`select id, request_id, kind, status, total, succeeded, failed, pending, created_at, started_at, completed_at, accepted_seq::text as seq
        from batches where ${where()} ${before ? sql`and accepted_seq < ${before}::bigint` : sql``}
        order by accepted_seq desc limit ${limit + 1} offset ${before ? 0 : (page - 1) * limit}`);
  const { page: listed, nextCursor } = pageAndCursor(rows, limit, (last) => encodeBatchCursor(last.seq));
  return { items: listed.map(batchSummary), total, nextCursor };
}

/**
 * Where `omni admin batch list` looks: one store, the batches one partner sent (a store it lost to
 * another partner keeps its batches under its name, not the new partner's; QA), or (neither) every
 * store.
 */
export interface BatchScope { storeId?: string; partnerId?: string }

/**
 * The newest batches of a scope (`omni admin batch list`), by acceptance order (a sequence
 * across stores), with what `batch retry` would run again: a FAILED batch's rows failed
 * BAT_003, counted from its outcomes for the listed batches only, and none for a batch whose
 * partner no longer operates its store (retry refuses it). One store's batches are read through
 * batches_store_seq_idx (0093); one partner's, store by store through
 * batches_store_partner_seq_idx (0154: each store's newest `limit`, then the newest of those; an
 * index of its own by partner led the Partner API's reads astray, review); every store's, by a scan.
 */
export async function listBatchesInScope(sql: Queryable, scope: BatchScope, filter: BatchFilter, limit: number) {
  const columns = sql`store_id, id, partner_id, kind, status, total, succeeded, failed, pending, created_at, completed_at, accepted_seq`;
  const filters = sql`${filter.status ? sql`and status = ${filter.status}` : sql``} ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}`;
  const listed = scope.partnerId
    ? sql`select b.* from stores s cross join lateral (select ${columns} from batches
          where store_id = s.id and partner_id = ${scope.partnerId} ${filters} order by accepted_seq desc limit ${limit}) b
        order by b.accepted_seq desc limit ${limit}`
    : sql`select ${columns} from batches where true ${scope.storeId ? sql`and store_id = ${scope.storeId}` : sql``} ${filters}
        order by accepted_seq desc limit ${limit}`;
  return sql<{ storeClientId: string; batchId: string; kind: string; status: string; total: number; succeeded: number; failed: number;
    pending: number; retryable: number; createdAt: Date; completedAt: Date | null }[]>`
    with listed as (${listed})
    select s.client_id as "storeClientId", l.id as "batchId", l.kind, l.status, l.total, l.succeeded, l.failed, l.pending,
      case when l.status = 'FAILED' and l.partner_id = s.partner_id then (select count(*)::int from batches b, jsonb_array_elements(b.outcomes) x
        where b.store_id = l.store_id and b.id = l.id and x->>'code' = 'BAT_003') else 0 end as retryable,
      l.created_at as "createdAt", l.completed_at as "completedAt"
    from listed l join stores s on s.id = l.store_id
    order by l.accepted_seq desc`;
}
