import type { Sql } from '../db/database.js';

export interface RetentionPolicy {
  /** How long an Idempotency-Key answers replays (IDEMPOTENCY_KEY_TTL_HOURS). */
  idempotencyKeyTtlHours: number;
  /** How long a completed batch keeps the rows it accepted (BATCH_BODY_RETENTION_DAYS). */
  batchBodyRetentionDays: number;
}

/**
 * What the bulk pipeline keeps only for a while, so that its tables do not grow with
 * every request for ever. An expired Idempotency-Key is deleted (it already answers no
 * replay: idempotency.ts); a batch completed longer ago than the retention drops its
 * accepted rows and stored body, which only processing reads; its counts and per-row
 * outcomes stay. Run hourly by the worker (`retention:purge`, jobs/worker.ts), so each
 * run has about an hour's worth to remove.
 */
export async function purgeExpired(sql: Sql, policy: RetentionPolicy): Promise<{ idempotencyKeys: number; batchBodies: number }> {
  const keys = await sql`
    delete from idempotency_keys where created_at < now() - make_interval(hours => ${policy.idempotencyKeyTtlHours})`;
  const bodies = await sql`
    update batches set packed_rows = null, packed_body = null, payload = null
    where completed_at < now() - make_interval(days => ${policy.batchBodyRetentionDays})
      and (packed_rows is not null or packed_body is not null or payload is not null)`;
  return { idempotencyKeys: keys.count, batchBodies: bodies.count };
}
