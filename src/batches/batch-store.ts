import { randomUUID } from 'node:crypto';
import type { Queryable, Transaction } from '../db/database.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { emitEvents } from '../webhooks/outbox.js';
import { packRows, type RowSource } from './payload-codec.js';

export type BatchKind = 'catalog.sync' | 'products.bulk' | 'inventory' | 'products.prices' | 'products.deletions'
  | 'catalog.variants.sync' | 'products.variants.bulk';
export type BatchStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

/** The event delivered when every row of a batch of each kind is done (its final summary, seed 000). */
const COMPLETED_EVENTS: Record<BatchKind, string> = {
  'catalog.sync': 'catalog.sync.completed', 'catalog.variants.sync': 'catalog.sync.completed',
  'products.bulk': 'products.bulk.completed', 'products.variants.bulk': 'products.bulk.completed',
  inventory: 'stock.update.completed', 'products.prices': 'prices.update.completed', 'products.deletions': 'products.deletion.completed',
};

/** Every kind of batch (what GET /partner/stores/batches can filter on). */
export const BATCH_KINDS = Object.keys(COMPLETED_EVENTS) as BatchKind[];

/** A batch as it completed: what its summary event says. */
export interface CompletedBatch {
  partner_id: string; kind: BatchKind; request_id: string; status: BatchStatus;
  total: number; succeeded: number; failed: number; created_at: Date; completed_at: Date;
}

/** Writes a completed batch's summary event to the outbox, in the transaction that completed it. */
export async function emitBatchCompleted(tx: Transaction, storeId: string, batchId: string, b: CompletedBatch) {
  await emitEvents(tx, [{
    partnerId: b.partner_id, storeId, type: COMPLETED_EVENTS[b.kind],
    payload: {
      batchId, requestId: b.request_id, status: b.status,
      summary: { total: b.total, succeeded: b.succeeded, failed: b.failed },
      createdAt: b.created_at, completedAt: b.completed_at,
    },
  }]);
}

export interface RowError {
  code: string;
  message: string;
  rowIndex: number;
  details: Record<string, unknown>;
  [identifier: string]: unknown;
}

export interface AcceptInput {
  storeId: string;
  partnerId: string;
  kind: BatchKind;
  requestId: string;
  /** The caller's address, which the batch's audit events record (null: none, e.g. a batch made by code). */
  ip: string | null;
  total: number;
  accepted: { rowIndex: number; payload: unknown }[];
  rejected: RowError[];
  /** A batch id chosen beforehand (e.g. to write events that name it before the batch). */
  batchId?: string;
  /** The accepted payloads lack `input`: it is each row of this request body (payload-codec.ts). */
  source?: RowSource;
  /** The caller stored the accepted rows where their kind reads them (stock: batch_stock_rows); no payloads to pack. */
  rowsStored?: boolean;
}

/** Product batches are "pb_<uuid>" (seed 001); inventory batches a bare uuid (seed 002). */
export const newBatchId = (kind: BatchKind) => (kind === 'inventory' ? randomUUID() : `pb_${randomUUID()}`);

/**
 * Stores an accepted request as a batch (its accepted rows as one compressed value,
 * and the request body when they are read from it; PENDING until their outcome is
 * written; its rejected rows FAILED with their codes) and enqueues its processing job in the SAME
 * transaction: an accepted row is never lost, and no job runs for rows that
 * were not committed.
 */
export async function acceptBatch(tx: Transaction, input: AcceptInput): Promise<{ batchId: string; acceptedSeq: bigint }> {
  const batchId = input.batchId ?? newBatchId(input.kind);
  const pending = input.accepted.length;
  const done = pending === 0;
  // Rows refused at accept time are the batch's first outcomes (0062: one JSON array on the batch).
  const refused = input.rejected.map(({ code, message, rowIndex, details, ...ids }) => ({
    rowIndex, status: 'FAILED', code, message, details: { ...ids, ...details }, result: null,
  }));
  const packed = done || input.rowsStored ? null : await packRows(input.accepted.map((a) => [a.rowIndex, a.payload]), input.source);
  if (input.kind === 'inventory') {
    // Stock updates apply in acceptance order: numbering them under a per-store
    // lock held to commit makes that order the commit order. Callers do their heavy
    // work first, and the rows are stored before, so the lock is held only for these
    // inserts and the commit. Every await under it lets the API's other requests run
    // their synchronous work while it is held: in the stock bench (100 requests, 4
    // senders) the waits for it summed to 9.7 s with the compression under it, 4.8 s
    // without (one run each).
    await tx`select pg_advisory_xact_lock(hashtextextended(${input.storeId}, 7))`;
  }
  // Numbered and dated in one statement: lists go by the number (newest accepted first), and
  // createdAt was the transaction's start (now()), up to ~1.6 s before that of a batch numbered
  // before it (QA: the list read out of createdAt order).
  const [inserted] = await tx<(CompletedBatch & { seq: string })[]>`
    insert into batches (store_id, id, kind, partner_id, request_id, ip_address, status, total, rejected, failed, pending, accepted_seq, created_at, packed_rows, body, accepted_rows, outcomes, completed_at)
    values (${input.storeId}, ${batchId}, ${input.kind}, ${input.partnerId}, ${input.requestId}, ${input.ip},
      ${done ? (input.rejected.length > 0 ? 'FAILED' : 'COMPLETED') : 'PENDING'}, ${input.total}, ${input.rejected.length},
      ${input.rejected.length}, ${pending}, nextval('batch_accept_seq'), clock_timestamp(), ${packed?.rows ?? null}, ${packed?.body ?? null},
      ${input.accepted.map((a) => a.rowIndex)}::int[], ${tx.json(refused as any)}::jsonb, ${done ? tx`clock_timestamp()` : null})
    returning partner_id, kind, request_id, status, total, succeeded, failed, created_at, completed_at, accepted_seq::text as seq`;
  // A batch whose every row was refused is done at once: its summary is delivered as any other's.
  if (done) await emitBatchCompleted(tx, input.storeId, batchId, inserted);
  else {
    // No per-store queue: batches of one store run in parallel on every worker; stock
    // order is kept by the acceptance sequence each write carries (inventory/stock-batches.ts).
    await enqueueJob(tx, 'batch.process', { storeId: input.storeId, batchId });
  }
  return { batchId, acceptedSeq: BigInt(inserted.seq) };
}

/** A batch's status, counts and times, as the tracking endpoints show it. */
export interface BatchSummary {
  batchId: string;
  requestId: string;
  kind: string;
  status: BatchStatus;
  summary: { total: number; succeeded: number; failed: number; pending: number };
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface BatchView extends BatchSummary {
  rows: { rowIndex: number; status: string; code: string | null; message: string | null; details: unknown; result: unknown }[];
}

/** The summary of a batches row (id, request_id, kind, status, the counts and the times selected). */
export const batchSummary = (b: any): BatchSummary => ({
  batchId: b.id, requestId: b.request_id, kind: b.kind, status: b.status,
  summary: { total: b.total, succeeded: b.succeeded, failed: b.failed, pending: b.pending },
  createdAt: b.created_at.toISOString(), startedAt: b.started_at?.toISOString() ?? null, completedAt: b.completed_at?.toISOString() ?? null,
});

/**
 * Who reads a store's batches: the partner operating the store sees the batches it sent, not
 * those of a partner that operated the store before (a store claimed by another partner: their
 * requests hold that partner's data; until 2026-12-06 the new partner could read them).
 */
export interface BatchReader { storeId: string; partnerId: string }

/**
 * A batch of this store sent by the reading partner, with one page of its rows (by rowIndex). Batch ids are made in lower
 * case (newBatchId): one sent in upper case, as a uuid may be, is the same batch.
 */
export async function readBatch(sql: Queryable, reader: BatchReader, where: { batchId?: string; requestId?: string }, page: number, limit: number) {
  // The page is cut by PostgreSQL: a batch's outcomes are one jsonb value, up to 1,000 rows (and a
  // refused row's errors), which the API parsed whole for any page (QA: 30 MB of outcomes, 4.5-5.7 s
  // a GET, the event loop held). A row accepted without an outcome yet is PENDING. Outcomes written
  // by PostgreSQL (apply_stock_chunk) leave out their null keys, filled in below.
  const [b] = await sql<any[]>`
    with b as (
      select id, request_id, kind, status, total, succeeded, failed, pending, created_at, started_at, completed_at, accepted_rows, outcomes
      from batches where store_id = ${reader.storeId} and partner_id = ${reader.partnerId}
        and ${where.batchId ? sql`id = ${where.batchId.toLowerCase()}` : sql`request_id = ${where.requestId!}`}
      order by created_at desc limit 1),
    done as (select (o->>'rowIndex')::int as i, o from b, jsonb_array_elements(b.outcomes) o),
    all_rows as (
      select i, o from done
      union all
      select i, jsonb_build_object('rowIndex', i, 'status', 'PENDING')
      from (select unnest(b.accepted_rows) as i from b except select i from done) as p)
    select id, request_id, kind, status, total, succeeded, failed, pending, created_at, started_at, completed_at,
      (select coalesce(jsonb_agg(r.o order by r.i), '[]') from (
        select i, o from all_rows order by i offset ${(page - 1) * limit} limit ${limit}) as r) as page_rows
    from b`;
  if (!b) return null;
  const rows = (b.page_rows as Partial<BatchView['rows'][number]>[]).map((o) => ({
    rowIndex: o.rowIndex!, status: o.status!, code: o.code ?? null, message: o.message ?? null, details: o.details ?? null, result: o.result ?? null,
  }));
  const view: BatchView = { ...batchSummary(b), rows };
  return { view, total: b.total as number };
}
