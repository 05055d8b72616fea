import type { Sql } from '../db/database.js';

/** How long a job out of attempts stays in the queue (its work already ended FAILED, its error logged). */
export const FAILED_JOB_RETENTION_DAYS = 7;

/**
 * Deletes the jobs that ran out of attempts a week ago or more (graphile-worker's complete_jobs,
 * as a job that succeeded is removed). The work such a job did is ended by then (a batch or PIM
 * job FAILED with the reason, an export's export.failed; abandoned-work.ts otherwise), and its
 * error was logged at its last attempt; kept for ever, `omni_jobs{state="failed"}` never fell back,
 * and an alert on it never cleared (retention QA).
 */
export async function purgeFailedJobs(sql: Sql): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from graphile_worker.complete_jobs(array(
      select j.id from graphile_worker._private_jobs j
      -- Its last failure: graphile-worker (0.17) no longer moves updated_at on a failure, but sets run_at
      -- past it (the failure's time plus the backoff); a job added days before it failed was deleted
      -- within the hour of its last failure (review). permanently_fail_jobs moves updated_at.
      where j.attempts >= j.max_attempts and j.locked_at is null
        and greatest(j.run_at, j.updated_at) < now() - make_interval(days => ${FAILED_JOB_RETENTION_DAYS})))`;
  return n;
}
