import type { Sql } from '../db/database.js';
import { deleteInChunks } from '../db/chunked-delete.js';

const ROWS_PER_STATEMENT = 5000;

/**
 * Deletes, WEBHOOK_LOG_RETENTION_DAYS after they were made, the deliveries that ended (SUCCEEDED or
 * EXHAUSTED) with no attempt since that day (a redelivery keeps one), their attempts with them
 * (on delete cascade), then the events no delivery is left for. A delivery still pending or
 * retrying is never deleted, nor its event; each condition is checked again on the row deleted
 * (a redelivery asked meanwhile made it pending). A few thousand rows a statement.
 */
export async function purgeWebhookLog(sql: Sql, retentionDays: number): Promise<{ deliveries: number; events: number }> {
  const cutoff = sql`now() - make_interval(days => ${retentionDays})`;
  const deliveries = await deleteInChunks(sql, 'webhook_deliveries', sql`
    status in ('SUCCEEDED', 'EXHAUSTED') and created_at < ${cutoff} and not exists (select 1 from webhook_attempts a
      where a.partner_id = webhook_deliveries.partner_id and a.delivery_id = webhook_deliveries.id and a.attempted_at >= ${cutoff})`, ROWS_PER_STATEMENT);
  const events = await deleteInChunks(sql, 'outbox_events', sql`
    created_at < ${cutoff} and not exists (select 1 from webhook_deliveries d where d.event_id = outbox_events.id)`, ROWS_PER_STATEMENT);
  return { deliveries, events };
}
