import type { Sql } from '../db/database.js';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { emitBatchCompleted, type CompletedBatch } from './batch-store.js';
import { UnreadableBatchRows } from './payload-codec.js';
import { checkRecordedCodes } from '../http/plugins/declared-errors.js';
import { processedRowCodes } from '../http/row-codes.js';

/** The outcome code of a row that a batch given up on never applied. */
const NOT_PROCESSED = 'BAT_003' satisfies ErrorCode;

/** Why a batch was given up on, as each of its unprocessed rows says (details.context.reason). */
export function givenUpReason(err: unknown, attempts: number) {
  return err instanceof UnreadableBatchRows ? 'The rows the batch accepted could not be read' : `Processing failed on all ${attempts} attempts`;
}

/**
 * Ends a batch whose processing gave up (its job's last attempt failed, or its rows cannot be
 * read), in one transaction: every accepted row still without an outcome fails BAT_003 with the
 * reason, the counts follow (pending 0), the batch is FAILED and completed, and its summary event
 * is written. A row's outcome commits with its chunk's effects, so a row without one was not
 * applied; the rows with one keep it. A batch already completed (a run that finished it
 * meanwhile, or an earlier call) is left as it is: returns whether this call ended it.
 */
export async function failUnprocessedRows(sql: Sql, storeId: string, batchId: string, reason: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    // Locked first, so that the update's snapshot, taken after any chunk still being applied
    // (a job unlocked as stale while its worker lived) commits, holds that chunk's outcomes.
    await tx`select 1 from batches where store_id = ${storeId} and id = ${batchId} for update`;
    const [batch] = await tx<CompletedBatch[]>`
      update batches b set status = 'FAILED', completed_at = clock_timestamp(), failed = b.failed + b.pending, pending = 0,
        outcomes = b.outcomes || coalesce((
          select jsonb_agg(jsonb_build_object('rowIndex', i, 'status', 'FAILED', 'code', ${NOT_PROCESSED}::text,
            'message', ${errorCatalogue[NOT_PROCESSED].message}::text, 'details', ${tx.json({ context: { reason } })}::jsonb) order by i)
          from unnest(b.accepted_rows) as i
          where i not in (select (o->>'rowIndex')::int from jsonb_array_elements(b.outcomes) o)), '[]'::jsonb)
      where b.store_id = ${storeId} and b.id = ${batchId} and b.completed_at is null
      returning partner_id, kind, request_id, status, total, succeeded, failed, created_at, completed_at`;
    if (batch) {
      checkRecordedCodes('a batch row given up on', [{ code: NOT_PROCESSED }], processedRowCodes);
      await emitBatchCompleted(tx, storeId, batchId, batch);
    }
    return batch !== undefined;
  });
}

/**
 * Runs a batch given up on again (`omni admin batch retry`): its rows failed BAT_003 are pending
 * once more and its job is enqueued, in one transaction. Its other rows keep their outcome, and
 * it emits its summary event again when it completes: a new event (a new id) with the counts it
 * ends with, as a new fact is (README, Decisions); the first one is left as sent. Only while it still holds the rows it
 * accepted: retention drops them 7 days after completion (BATCH_BODY_RETENTION_DAYS).
 */
export async function retryFailedBatch(sql: Sql, id: string): Promise<{ batchId: string; rows: number }> {
  const batchId = id.toLowerCase(); // as newBatchId makes them (a uuid may be sent in upper case)
  return sql.begin(async (tx) => {
    const [batch] = await tx<{ store_id: string; status: string; stored: boolean; rows: number; bound: boolean; store_client_id: string }[]>`
      select b.store_id, b.status, s.client_id as store_client_id,
        s.partner_id = b.partner_id and exists (select 1 from store_tokens t where t.store_id = b.store_id and t.revoked_at is null
          and (t.expires_at is null or t.expires_at > now())) as bound,
        packed_rows is not null or payload is not null
          or exists (select 1 from batch_stock_rows r where r.store_id = b.store_id and r.batch_id = b.id) as stored,
        (select count(*)::int from jsonb_array_elements(b.outcomes) o where o->>'code' = ${NOT_PROCESSED}) as rows
      from batches b join stores s on s.id = b.store_id where b.id = ${batchId} for update of b`;
    const rowsOf = `GET /api/v1/partner/stores/batches/${batchId} shows its rows and their codes`;
    if (!batch) throw new Error(`no batch ${batchId}: give the batchId its request answered (pb_… or a uuid)`);
    if (batch.status !== 'FAILED') {
      throw new Error(`batch ${batchId} is ${batch.status}, not given up on: ${batch.status === 'COMPLETED'
        ? `nothing to run again (a row that failed has its own code: the partner fixes it and sends it again; ${rowsOf})`
        : 'it is still being processed; `batch retry` runs again a FAILED batch whose rows failed BAT_003'}`);
    }
    if (batch.rows === 0) {
      throw new Error(`batch ${batchId} has no rows failed ${NOT_PROCESSED} (it was not given up on, or has been run again): `
        + `its failed rows have codes of their own that the partner fixes and sends again (${rowsOf})`);
    }
    if (!batch.stored) {
      throw new Error(`batch ${batchId} no longer holds the rows it accepted (kept BATCH_BODY_RETENTION_DAYS days after it completed, 7 by default): `
        + `the partner must send its ${batch.rows} rows failed ${NOT_PROCESSED} again (${rowsOf})`);
    }
    // The partner's rows go into the store only while the partner still operates it, as its requests
    // would (a live token of the store, the store its own): after an unbind, the end of the seller's
    // period or a move to another partner, running them wrote data the seller no longer let it write,
    // and told the products' changes to the old partner alone (its batch's events) (2026-12-06).
    if (!batch.bound) {
      throw new Error(`batch ${batchId} was sent by a partner that no longer operates store ${batch.store_client_id} (unbound, its authorization ended, `
        + 'or the store moved to another partner): its rows are not written now; they go again through the partner operating the store')
    }
    await tx`
      update batches b set status = 'PENDING', completed_at = null, failed = b.failed - ${batch.rows}, pending = b.pending + ${batch.rows},
        outcomes = coalesce((select jsonb_agg(o order by n) from jsonb_array_elements(b.outcomes) with ordinality as x (o, n)
                             where o->>'code' is distinct from ${NOT_PROCESSED}), '[]'::jsonb)
      where b.store_id = ${batch.store_id} and b.id = ${batchId}`;
    await enqueueJob(tx, 'batch.process', { storeId: batch.store_id, batchId });
    return { batchId, rows: batch.rows };
  });
}
