import type { Sql, Transaction } from '../db/database.js';
import { errorCatalogue } from '../errors/catalogue.js';
import { analyzeGrownTables } from '../db/statistics.js';
import { storedBody, unpackRows, UnreadableBatchRows } from './payload-codec.js';
import { emitBatchCompleted, type BatchKind, type CompletedBatch } from './batch-store.js';
import { batchKind, type BatchContext, type ChunkState, type RowOutcome } from './processors.js';
import { isolatingRefusedRows } from './row-isolation.js';
import { checkRecordedCodes } from '../http/plugins/declared-errors.js';
import { processedRowCodes } from '../http/row-codes.js';
import { retryingLostRaces } from '../db/lost-races.js';

/** Where a batch's run reports a chunk it runs again (the job's logger). */
export type ChunkRetryLog = (message: string, meta: Record<string, unknown>) => void;

/**
 * Processes a batch chunk by chunk. Each chunk is one transaction that applies
 * its rows AND writes their outcomes (batches.outcomes), so a worker that dies
 * half-way leaves every row either done (with its outcome) or still PENDING (no
 * outcome): the retried job skips the rows that have one, and nothing is
 * applied twice. Stock batches are applied by PostgreSQL itself, a call a chunk
 * (apply_stock_chunk); product batches by the worker, set-based.
 */
export async function processBatch(sql: Sql, storeId: string, batchId: string, chunkSize: number, log?: ChunkRetryLog) {
  // The accepted rows, as stored at accept time; immutable, so read once per run. A product
  // request's body stays in PostgreSQL (payload-codec.ts), but for a batch accepted before 0081.
  // The batch is PROCESSING, with its startedAt, from the moment a worker takes it, committed
  // apart: set only in a chunk's transaction, a batch of one chunk (a request's 1,000 rows at
  // the default BATCH_CHUNK_SIZE) went from PENDING to COMPLETED, its startedAt dated back (QA).
  // A crash may lose it (no WAL flush awaited): the rerun sets it again.
  const [stored] = await sql.begin(async (tx) => {
    await tx`set local synchronous_commit = off`;
    return tx<StoredRows[]>`
      with started as (
        update batches set status = 'PROCESSING', started_at = coalesce(started_at, clock_timestamp())
        where store_id = ${storeId} and id = ${batchId} and status = 'PENDING' and pending > 0)
      select kind, packed_rows, packed_body, payload from batches where store_id = ${storeId} and id = ${batchId}`;
  });
  if (!stored) return;
  const spec = batchKind(stored.kind);
  const unpacked = await readStoredRows(batchId, stored);
  if ('applyChunk' in spec) {
    if (stored.packed_rows || stored.payload) await sql.begin((tx) => spec.adoptPackedRows(tx, storeId, batchId, unpacked.rows));
    return inChunks(sql, storeId, batchId, (tx) => spec.applyChunk(tx, storeId, batchId, chunkSize), log);
  }
  if (unpacked.legacyBody) {
    await sql`update batches set body = ${unpacked.legacyBody}, packed_body = null where store_id = ${storeId} and id = ${batchId}`;
  }
  const body = unpacked.body && storedBody(storeId, batchId, unpacked.body);
  const payloads = new Map<number, unknown>(unpacked.rows);
  const accepted = [...payloads.keys()].sort((a, b) => a - b);
  await inChunks(sql, storeId, batchId, async (tx): Promise<ChunkState> => {
    // The batch row is locked until commit; the rows it already has an outcome for (a run
    // that died after committing some chunks) are skipped.
    const [batch] = await tx<any[]>`
      update batches b set status = 'PROCESSING', started_at = coalesce(b.started_at, now())
      from partners p
      where b.store_id = ${storeId} and b.id = ${batchId} and p.id = b.partner_id and b.pending > 0
      returning b.partner_id, b.request_id, b.ip_address, b.accepted_seq, p.client_id as partner_client_id,
        (select coalesce(array_agg((o->>'rowIndex')::int), '{}') from jsonb_array_elements(b.outcomes) o) as done`;
    if (!batch) return 'none';
    const done = new Set<number>(batch.done);
    const left = accepted.filter((i) => !done.has(i));
    const todo = left.slice(0, chunkSize);
    if (todo.length === 0) return 'none';
    const ctx: BatchContext = {
      storeId, batchId, partnerId: batch.partner_id, partnerClientId: batch.partner_client_id,
      requestId: batch.request_id, ip: batch.ip_address, acceptedSeq: BigInt(batch.accepted_seq), body,
    };
    const rows = todo.map((rowIndex) => ({ rowIndex, payload: payloads.get(rowIndex) as any }));
    const outcomes = await isolatingRefusedRows(tx, rows, (sp, some) => spec.process(sp, ctx, some));
    await recordOutcomes(tx, storeId, batchId, outcomes);
    return left.length > todo.length ? 'more' : 'last';
  }, log);
}

interface StoredRows { kind: BatchKind; packed_rows: Buffer | null; packed_body: Buffer | null; payload: string | null }

/** The batch's rows as stored at accept time. Rows that neither decompress nor parse never will: a permanent error. */
async function readStoredRows(batchId: string, stored: StoredRows): Promise<Awaited<ReturnType<typeof unpackRows>>> {
  try {
    return stored.packed_rows ? await unpackRows(stored.packed_rows, stored.packed_body)
      : { rows: stored.payload ? JSON.parse(stored.payload) as [number, unknown][] : [], body: null };
  } catch (err) {
    throw new UnreadableBatchRows(batchId, err);
  }
}

/**
 * Runs one transaction a chunk; the last chunk's transaction also completes the batch (a
 * transaction of its own, and one that found nothing left, had cost every batch two). A run
 * that finds nothing to apply (its predecessor died after its last chunk) completes it alone.
 * A chunk PostgreSQL ends for a deadlock runs again at once (lost-races.ts): a stock chunk writes
 * warehouse rows and then (triggers) their variant's, a with-variants chunk or PATCH the other
 * way round, so two of them on one product's variants can deadlock. The job failed with it, was
 * logged as an error and waited for its retry; a chunk that keeps losing still fails the job.
 */
async function inChunks(sql: Sql, storeId: string, batchId: string, chunk: (tx: Transaction) => Promise<ChunkState>, log?: ChunkRetryLog) {
  const onRetry = (err: Error, attempt: number) => log?.(`batch ${batchId}: a chunk ended by PostgreSQL (${err.message}) runs again`, { batchId, storeId, attempt });
  for (;;) {
    const state = await retryingLostRaces(() => sql.begin(async (tx) => {
      // A chunk's effects and its outcomes commit together, and the job is only marked done
      // after them, synchronously, which flushes the WAL written before it: if PostgreSQL lost
      // an asynchronously committed chunk in a crash, the job is not done either, and its rerun
      // finds the chunk's rows without outcome and applies them again. So the chunk need not
      // wait for its WAL flush (the accept transaction, which must not be lost, still does).
      await tx`set local synchronous_commit = off`;
      const state = await chunk(tx);
      if (state === 'last') await completeBatch(tx, storeId, batchId);
      return state;
    }), { onRetry });
    if (state === 'none') await sql.begin((tx) => completeAppliedBatch(tx, storeId, batchId));
    // A store's first import grows tables from (nearly) empty: their statistics follow it
    // while they are small, and the plans made on the empty tables go (statistics.ts).
    await analyzeGrownTables(sql);
    if (state !== 'more') return;
  }
}

/**
 * Appends row outcomes to their batch, with its counts; a failed row's message is its code's.
 * Stored without their empty keys (undefined: JSON leaves them out), which readBatch fills in
 * with null, as for stock outcomes (0082): a success of a catalog import is ~40 bytes less to
 * serialise, send, parse and store.
 */
export async function recordOutcomes(tx: Transaction, storeId: string, batchId: string, outcomes: RowOutcome[]) {
  checkRecordedCodes('a batch row', outcomes, processedRowCodes);
  const rows = outcomes.map((o) => ({
    rowIndex: o.rowIndex, status: o.status, code: o.code ?? undefined,
    message: o.message ?? (o.code ? errorCatalogue[o.code].message : undefined),
    details: o.details ?? undefined, result: o.result ?? undefined,
  }));
  const ok = rows.filter((r) => r.status === 'SUCCEEDED').length;
  await tx`
    update batches set outcomes = outcomes || ${tx.json(rows as any)}::jsonb,
      succeeded = succeeded + ${ok}, failed = failed + ${rows.length - ok}, pending = pending - ${rows.length}
    where store_id = ${storeId} and id = ${batchId}`;
}

/**
 * Completes a batch in which a run found no row left to apply. Rows still pending then are
 * accepted rows that its stored rows lack (gone, or never moved where PostgreSQL reads them):
 * no attempt would ever apply them, and the job must not end as if it had.
 */
async function completeAppliedBatch(tx: Transaction, storeId: string, batchId: string) {
  await completeBatch(tx, storeId, batchId);
  const [pending] = await tx`select 1 from batches where store_id = ${storeId} and id = ${batchId} and completed_at is null and pending > 0`;
  if (pending) throw new UnreadableBatchRows(batchId, new Error('rows it awaits are not stored'));
}

/** Marks the batch done once (a rerun finds it done) and emits its summary event. */
async function completeBatch(tx: Transaction, storeId: string, batchId: string) {
  const [b] = await tx<CompletedBatch[]>`
    update batches set status = case when succeeded = 0 and total > 0 then 'FAILED' else 'COMPLETED' end, completed_at = clock_timestamp()
    where store_id = ${storeId} and id = ${batchId} and pending = 0 and completed_at is null
    returning partner_id, kind, request_id, status, total, succeeded, failed, created_at, completed_at`;
  if (b) await emitBatchCompleted(tx, storeId, batchId, b);
}
