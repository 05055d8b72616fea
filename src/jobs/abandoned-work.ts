import type { Queryable, Sql } from '../db/database.js';
import { failUnprocessedRows } from '../batches/batch-failure.js';
import { failBulkJob } from '../pim/bulk-job-processing.js';
import { parsePayload, type JobType } from '../pim/bulk-jobs.js';
import { failExport } from '../pim/catalog-export.js';

/** What is abandoned: work not done, and no job left that would do it. */
const REASON = 'Processing stopped: its job failed on all its attempts and could not record it';

/**
 * Ends the partner batches, PIM bulk jobs and PIM catalog exports that no job will ever run again,
 * and ends EXHAUSTED the webhook deliveries no job will attempt again. A job that fails
 * for good ends its work FAILED itself (jobs/final-failure.ts); if that last step fails too (the
 * database unreachable at the last attempt), graphile-worker keeps the job failed and the work
 * stayed PENDING or PROCESSING for ever. Work counts as abandoned when it is older than
 * `graceMinutes` and none of its task's jobs names it and may still run (attempts left, or
 * running now): accept writes the work and its job in one transaction, so only a job that failed
 * for good, or one an operator removed, leaves work without one. So does a worker killed
 * (SIGKILL, out of memory) on the job's last attempt: graphile-worker counts an attempt when it
 * takes the job, runs no job that has used them all, and the dead process recorded nothing; an
 * export has 3. Run hourly (jobs/worker.ts).
 *
 * graphile-worker's public `jobs` view has no payload, so its `_private_jobs` table is read: the
 * jobs of one task are few (a done job is deleted), and a change of that table in a new
 * graphile-worker version fails this task loudly (its test), not the queue.
 */
export async function failAbandonedWork(sql: Sql, graceMinutes = 15): Promise<{ batches: number; bulkJobs: number; exports: number; deliveries: number }> {
  const batches = await abandonedBatches(sql, graceMinutes);
  let ended = 0;
  for (const b of batches) if (await failUnprocessedRows(sql, b.store_id, b.id, REASON)) ended++;
  const bulkJobs = await abandonedBulkJobs(sql, graceMinutes);
  for (const j of bulkJobs) await failBulkJob(sql, j.store_id, j.id, REASON, j.total_items ?? itemCount(j.job_type, j.payload));
  const exports = await abandonedExports(sql, graceMinutes);
  for (const e of exports) await failExport(sql, e.store_id, e.id, REASON);
  const deliveries = await endAbandonedDeliveries(sql, graceMinutes);
  return { batches: ended, bulkJobs: bulkJobs.length, exports: exports.length, deliveries };
}

/**
 * A delivery job has 5 attempts of its own (a worker killed while sending, a database away as it
 * records the attempt): with none left, the delivery waited PENDING or RETRYING for ever. It ends
 * as one whose attempts are used up does; the partner can ask for a redelivery. A redelivery may
 * revive it meanwhile (redeliver: the row, then a job, in one transaction), so the rows are locked
 * first and the job looked for again in a statement of its own, whose snapshot shows the job of a
 * redelivery that committed while the lock was awaited: in one statement it would be ended anyway.
 */
async function endAbandonedDeliveries(sql: Sql, graceMinutes: number): Promise<number> {
  const candidates = await abandonedDeliveries(sql, graceMinutes);
  if (candidates.length === 0) return 0;
  return sql.begin(async (tx) => {
    const keys = () => tx`unnest(${candidates.map((c) => c.partner_id)}::uuid[], ${candidates.map((c) => c.id)}::uuid[]) as c (partner_id, id)`;
    await tx`select 1 from webhook_deliveries d join ${keys()} on d.partner_id = c.partner_id and d.id = c.id
      where d.status in ('PENDING', 'RETRYING') order by d.partner_id, d.id for update of d`;
    const ended = await tx`
      update webhook_deliveries d set status = 'EXHAUSTED', next_attempt_at = null, last_error = ${REASON} from ${keys()}
      where d.partner_id = c.partner_id and d.id = c.id and d.status in ('PENDING', 'RETRYING')
        and not ${live(tx, 'webhook.deliver', 'deliveryId', 'd.id::text')}`;
    return ended.count;
  });
}

/** Whether a job of `task` naming the row (payload key `idKey` = SQL expression `id`) may still run. */
const live = (sql: Queryable, task: string, idKey: string, id: string) => sql`
  exists (select 1 from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${task} and j.payload->>${idKey} = ${sql.unsafe(id)}
      and (j.attempts < j.max_attempts or j.locked_at is not null))`;

/**
 * The abandoned batches. `completed_at is null` is the predicate of the partial index
 * batches_unfinished_idx (0091), written the same way so the planner can use it: completed
 * batches are never deleted, and a scan of them all grew with the store's history.
 */
export const abandonedBatches = (sql: Sql, graceMinutes: number) => sql<{ store_id: string; id: string }[]>`
  select b.store_id, b.id from batches b
  where b.completed_at is null and b.created_at < now() - make_interval(mins => ${graceMinutes})
    and not ${live(sql, 'batch.process', 'batchId', 'b.id')}`;

/** The abandoned PIM bulk jobs; the status list is the predicate of bulk_jobs_unfinished_idx (0091). */
export const abandonedBulkJobs = (sql: Sql, graceMinutes: number) => sql<{ store_id: string; id: string; job_type: JobType; payload: string; total_items: number | null }[]>`
  select b.store_id, b.id, b.job_type, b.payload, b.total_items from bulk_jobs b
  where b.status in ('PENDING', 'PROCESSING') and b.created_at < now() - make_interval(mins => ${graceMinutes})
    and not ${live(sql, 'pim.bulk-job', 'jobId', 'b.id::text')}`;

/**
 * The abandoned PIM catalog exports. Read without an index of their own: an export is one per
 * request of a PIM user, far fewer than batches or bulk jobs.
 */
export const abandonedExports = (sql: Sql, graceMinutes: number) => sql<{ store_id: string; id: string }[]>`
  select e.store_id, e.id from catalog_exports e
  where e.status in ('PENDING', 'PROCESSING') and e.created_at < now() - make_interval(mins => ${graceMinutes})
    and not ${live(sql, 'pim.export', 'exportId', 'e.id::text')}`;

/**
 * The webhook deliveries no job will attempt again. `status in ('PENDING', 'RETRYING')` is the
 * predicate of webhook_deliveries_unfinished_idx (0097): ended deliveries are kept for the log.
 */
export const abandonedDeliveries = (sql: Sql, graceMinutes: number) => sql<{ partner_id: string; id: string }[]>`
  select d.partner_id, d.id from webhook_deliveries d
  where d.status in ('PENDING', 'RETRYING') and d.created_at < now() - make_interval(mins => ${graceMinutes})
    and not ${live(sql, 'webhook.deliver', 'deliveryId', 'd.id::text')}`;

/** The items of a job that never started, each to be told it was not processed (none if its payload cannot be read). */
function itemCount(jobType: JobType, payload: string): number {
  try { return parsePayload(jobType, payload).items.length; } catch { return 0; }
}
