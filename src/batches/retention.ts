import type { Sql } from '../db/database.js';
import { keysExpireBefore } from './idempotency.js';
import { deleteInChunks } from '../db/chunked-delete.js';

const PURGE_BATCHES_PER_STATEMENT = 200;
const PURGE_KEYS_PER_STATEMENT = 5000;

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
  // A few thousand a statement (by created_at's index, 0079), each its own transaction: one
  // statement held a year of stored responses in one transaction once the TTL was lowered (QA).
  // The age checked again on the row deleted: a key taken over meanwhile (a new request) stays.
  const idempotencyKeys = await deleteInChunks(sql, 'idempotency_keys',
    sql`created_at < ${keysExpireBefore(sql, policy.idempotencyKeyTtlHours)}`, PURGE_KEYS_PER_STATEMENT);
  // A few hundred batches a statement, each its own transaction: a first run over a long
  // backlog (or a busy hour) never holds one transaction over gigabytes of stored bodies.
  let batchBodies = 0;
  for (;;) {
    const done = await sql`
      update batches b set packed_rows = null, packed_body = null, payload = null, body = null
      from (select store_id, id from batches
            where completed_at < now() - make_interval(days => ${policy.batchBodyRetentionDays})
              and (packed_rows is not null or packed_body is not null or payload is not null or body is not null)
            limit ${PURGE_BATCHES_PER_STATEMENT}) o
      -- Again on the row updated: one that \`batch retry\` ran again meanwhile (completed_at null, its
      -- lock waited for) keeps the rows it is about to process (they were emptied, and it failed again).
      where b.store_id = o.store_id and b.id = o.id and b.completed_at < now() - make_interval(days => ${policy.batchBodyRetentionDays})`;
    batchBodies += done.count;
    if (done.count < PURGE_BATCHES_PER_STATEMENT) break;
  }
  // A stock batch keeps its rows beside it (batch_stock_rows, 0082): those of a batch completed
  // before the retention's start, as a product batch's (they went by their acceptance: a batch given
  // up on days after it was accepted lost them before \`batch retry\` could run them, as README
  // says it can for 7 days after completion; QA). Accepted before it too, for the rows' index. The
  // batch row share-locked: a retry that made it pending again meanwhile is seen, and keeps them.
  for (;;) {
    const done = await sql`
      delete from batch_stock_rows r
      using (select x.store_id, x.batch_id from batch_stock_rows x join batches b on b.store_id = x.store_id and b.id = x.batch_id
             where x.created_at < now() - make_interval(days => ${policy.batchBodyRetentionDays})
               and b.completed_at < now() - make_interval(days => ${policy.batchBodyRetentionDays})
             limit ${PURGE_BATCHES_PER_STATEMENT} for share of b) o
      where r.store_id = o.store_id and r.batch_id = o.batch_id`;
    batchBodies += done.count;
    if (done.count < PURGE_BATCHES_PER_STATEMENT) break;
  }
  return { idempotencyKeys, batchBodies };
}
