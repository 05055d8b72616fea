import type { Sql } from '../db/database.js';

const ROWS_PER_STATEMENT = 5000;

/**
 * Deletes, WEBHOOK_LOG_RETENTION_DAYS after they were made, the deliveries that ended (SUCCEEDED or
 * EXHAUSTED) with no attempt since that day (a redelivery keeps one), their attempts with them
 * (on delete cascade), then the events no delivery is left for. A delivery still pending or
 * retrying is never deleted, nor its event. Chunks of a few thousand rows, each its own statement.
 */
export async function purgeWebhookLog(sql: Sql, retentionDays: number): Promise<{ deliveries: number; events: number }> {
  const cutoff = sql`now() - make_interval(days => ${retentionDays})`;
  let deliveries = 0;
  for (;;) {
    const done = await sql`
      delete from webhook_deliveries d where d.ctid = any(array(
        select x.ctid from webhook_deliveries x
        where x.status in ('SUCCEEDED', 'EXHAUSTED') and x.created_at < ${cutoff}
          and not exists (select 1 from webhook_attempts a where a.partner_id = x.partner_id and a.delivery_id = x.id and a.attempted_at >= ${cutoff})
        limit ${ROWS_PER_STATEMENT}))
        -- Again on the row deleted: a redelivery asked meanwhile made it pending.
        and d.status in ('SUCCEEDED', 'EXHAUSTED')`;
    deliveries += done.count;
    if (done.count < ROWS_PER_STATEMENT) break;
  }
  let events = 0;
  for (;;) {
    const done = await sql`
      delete from outbox_events e where e.ctid = any(array(
        select x.ctid from outbox_events x
        where x.created_at < ${cutoff} and not exists (select 1 from webhook_deliveries d where d.event_id = x.id)
        limit ${ROWS_PER_STATEMENT}))
        and not exists (select 1 from webhook_deliveries d where d.event_id = e.id)`;
    events += done.count;
    if (done.count < ROWS_PER_STATEMENT) break;
  }
  return { deliveries, events };
}
