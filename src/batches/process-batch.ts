import type { Sql, Transaction } from '../db/database.js';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js';
import { emitEvents } from '../webhooks/outbox.js';
import type { BatchKind } from './batch-store.js';
import { batchKind, type BatchContext, type RowOutcome } from './processors.js';

/**
 * Processes a batch chunk by chunk. Each chunk is one transaction that applies
 * its rows AND writes their outcomes, so a worker that dies half-way leaves
 * every row either done (with its outcome) or still PENDING (no outcome): the
 * retried job skips the rows that have one, and nothing is applied twice.
 */
export async function processBatch(sql: Sql, storeId: string, batchId: string, chunkSize: number) {
  // The accepted rows, as stored at accept time; immutable, so read once per run.
  const [stored] = await sql<{ payload: string | null }[]>`select payload from batches where store_id = ${storeId} and id = ${batchId}`;
  const payloads = new Map<number, unknown>(stored?.payload ? JSON.parse(stored.payload) : []);
  const accepted = [...payloads.keys()].sort((a, b) => a - b);
  let from = 0;
  for (;;) {
    const more = await sql.begin(async (tx): Promise<boolean> => {
      // A chunk's effects and its outcome rows commit together, and the job is only marked
      // done after them: if PostgreSQL lost an asynchronously committed chunk in a crash, the
      // rerun job would find its rows PENDING and apply them again. So the chunk need not
      // wait for its WAL flush (the accept transaction, which must not be lost, still does).
      await tx`set local synchronous_commit = off`;
      const [batch] = await tx<any[]>`
        update batches b set status = 'PROCESSING', started_at = coalesce(b.started_at, now())
        from partners p
        where b.store_id = ${storeId} and b.id = ${batchId} and p.id = b.partner_id and b.pending > 0
        returning b.kind, b.partner_id, b.request_id, b.accepted_seq, p.client_id as partner_client_id`;
      if (!batch) return false;
      // The batch row is now locked until commit: the next candidates minus those with an
      // outcome (a run that died after committing some chunks) are this chunk.
      const candidates = accepted.slice(from, from + chunkSize * 2);
      if (candidates.length === 0) return false;
      const done = new Set((await tx<{ row_index: number }[]>`
        select row_index from batch_rows where store_id = ${storeId} and batch_id = ${batchId} and row_index = any(${candidates}::int[])`).map((r) => r.row_index));
      const todo = candidates.filter((i) => !done.has(i)).slice(0, chunkSize);
      from = todo.length > 0 ? accepted.indexOf(todo[todo.length - 1]) + 1 : from + candidates.length;
      if (todo.length === 0) return true;
      const rows = todo.map((row_index) => ({ row_index }));
      const ctx: BatchContext = {
        storeId, batchId, partnerId: batch.partner_id, partnerClientId: batch.partner_client_id,
        requestId: batch.request_id, acceptedSeq: BigInt(batch.accepted_seq),
      };
      const outcomes = await batchKind(batch.kind as BatchKind).process(tx, ctx, rows.map((r) => ({ rowIndex: r.row_index, payload: payloads.get(r.row_index) as any })));
      await recordOutcomes(tx, storeId, batchId, outcomes);
      return true;
    });
    if (!more) break;
  }
  await completeBatch(sql, storeId, batchId);
}

async function recordOutcomes(tx: Transaction, storeId: string, batchId: string, outcomes: RowOutcome[]) {
  const rows = outcomes.map((o) => ({
    i: o.rowIndex, s: o.status, c: o.code ?? null,
    m: o.message ?? (o.code ? errorCatalogue[o.code as ErrorCode]?.message ?? null : null),
    d: o.details ?? null, r: o.result ?? null,
  }));
  const ok = rows.filter((r) => r.s === 'SUCCEEDED').length;
  await tx`
    insert into batch_rows (store_id, batch_id, row_index, status, code, message, details, result)
    select ${storeId}::uuid, ${batchId}, r.i, r.s, r.c, r.m, r.d, r.r
    from jsonb_to_recordset(${tx.json(rows as any)}::jsonb) as r(i int, s text, c text, m text, d jsonb, r jsonb)`;
  await tx`
    update batches set succeeded = succeeded + ${ok}, failed = failed + ${rows.length - ok}, pending = pending - ${rows.length}
    where store_id = ${storeId} and id = ${batchId}`;
}

/** Marks the batch done once (a rerun finds it done) and emits its summary event. */
async function completeBatch(sql: Sql, storeId: string, batchId: string) {
  await sql.begin(async (tx) => {
    const [b] = await tx<any[]>`
      update batches set status = case when succeeded = 0 and total > 0 then 'FAILED' else 'COMPLETED' end, completed_at = now()
      where store_id = ${storeId} and id = ${batchId} and pending = 0 and completed_at is null
      returning *`;
    if (!b) return;
    await emitEvents(tx, [{
      partnerId: b.partner_id, storeId, type: batchKind(b.kind).completedEvent,
      payload: {
        batchId, requestId: b.request_id, status: b.status,
        summary: { total: b.total, succeeded: b.succeeded, failed: b.failed },
        createdAt: b.created_at, completedAt: b.completed_at,
      },
    }]);
  });
}
