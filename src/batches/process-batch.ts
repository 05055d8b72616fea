import type { Sql, Transaction } from '../db/database.js';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js';
import { emitEvents } from '../webhooks/outbox.js';
import type { BatchKind } from './batch-store.js';
import { batchKind, type BatchContext, type RowOutcome } from './processors.js';

/**
 * Processes a batch chunk by chunk. Each chunk is one transaction that applies
 * its rows AND records their outcomes, so a worker that dies half-way leaves
 * every row either done (with its outcome) or still PENDING: the retried job
 * picks up exactly the PENDING rows and nothing is applied twice.
 */
export async function processBatch(sql: Sql, storeId: string, batchId: string, chunkSize: number) {
  // The accepted rows, as stored at accept time; immutable, so read once per run.
  const [stored] = await sql<{ payload: string | null }[]>`select payload from batches where store_id = ${storeId} and id = ${batchId}`;
  const payloads = new Map<number, unknown>(stored?.payload ? JSON.parse(stored.payload) : []);
  for (;;) {
    const more = await sql.begin(async (tx): Promise<boolean> => {
      const [batch] = await tx<any[]>`
        update batches b set status = 'PROCESSING', started_at = coalesce(b.started_at, now())
        from partners p
        where b.store_id = ${storeId} and b.id = ${batchId} and p.id = b.partner_id and b.pending > 0
        returning b.kind, b.partner_id, b.request_id, b.accepted_seq, p.client_id as partner_client_id`;
      if (!batch) return false;
      const rows = await tx<{ row_index: number }[]>`
        select row_index from batch_rows
        where store_id = ${storeId} and batch_id = ${batchId} and status = 'PENDING'
        order by row_index limit ${chunkSize} for update`;
      if (rows.length === 0) return false;
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
    update batch_rows br set status = r.s, code = r.c, message = r.m, details = r.d, result = r.r
    from jsonb_to_recordset(${tx.json(rows as any)}::jsonb) as r(i int, s text, c text, m text, d jsonb, r jsonb)
    where br.store_id = ${storeId} and br.batch_id = ${batchId} and br.row_index = r.i`;
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
