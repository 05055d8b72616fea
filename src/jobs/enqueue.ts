import type { Queryable } from '../db/database.js';

/** The schema of graphile-worker's tables and functions, which Omni's SQL and migrations name (graphile_worker.add_job …). */
export const QUEUE_SCHEMA = 'graphile_worker';

export interface EnqueueOptions {
  /** Jobs of one queue run one at a time, in order (e.g. one queue per store for ordered stock). */
  queueName?: string;
  /** A job with the same key replaces a pending one instead of adding a second. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
}

/**
 * Adds a graphile-worker job inside the caller's transaction: the job exists
 * if and only if the rows it will process were committed.
 */
export async function enqueueJob(tx: Queryable, task: string, payload: unknown, opts: EnqueueOptions = {}) {
  await tx`select graphile_worker.add_job(
    identifier => ${task}, payload => ${tx.json(payload as any)}::json,
    queue_name => ${opts.queueName ?? null}, run_at => ${opts.runAt ?? null},
    max_attempts => ${opts.maxAttempts ?? 25}, job_key => ${opts.jobKey ?? null}, priority => ${opts.priority ?? 0})`;
}
