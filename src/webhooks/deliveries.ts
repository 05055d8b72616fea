import type { Queryable, Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { enqueueDelivery } from './deliver.js';
import { pageWithTotal } from '../db/page.js';
import { isoTime } from '../db/iso-time.js';
import { microsOf, pageAndCursor, timeCursor } from '../db/list-cursor.js';

export interface DeliveryFilter { status?: string; eventType?: string; endpointId?: string; page: number; limit: number; after?: string }

/** A delivery's columns with its attempts (times as toISOString writes them, as everywhere). */
const withAttempts = (sql: Queryable) => sql`d.*, coalesce((select json_agg(json_build_object('attempt', a.attempt, 'statusCode', a.status_code,
    'latencyMs', a.latency_ms, 'error', a.error,
    'attemptedAt', ${isoTime(sql, 'a.attempted_at')}) order by a.attempt)
  from webhook_attempts a where a.partner_id = d.partner_id and a.delivery_id = d.id), '[]') as attempt_log`;

const view = (d: any) => ({
  id: d.id, endpointId: d.endpoint_id, eventId: d.event_id, eventType: d.event_type, status: d.status, attempts: d.attempts,
  nextAttemptAt: d.next_attempt_at?.toISOString() ?? null, lastStatusCode: d.last_status_code, lastError: d.last_error,
  createdAt: d.created_at.toISOString(), deliveredAt: d.delivered_at?.toISOString() ?? null, attemptLog: d.attempt_log,
});

/** The deliveries list's cursor: the page's last delivery's creation time and id, the list's order (db/list-cursor.ts). */
const deliveriesCursor = timeCursor('deliveries');

/**
 * A partner's deliveries, most recent first, each with its attempts; the total from the page's
 * snapshot, and the cursor of the page's end (`after`: the page after it).
 */
export async function listDeliveries(sql: Queryable, partnerId: string, f: DeliveryFilter) {
  const key = f.after === undefined ? undefined : deliveriesCursor.decode(f.after, f.page);
  const where = () => sql`d.partner_id = ${partnerId}
    ${f.status ? sql`and d.status = ${f.status}` : sql``}
    ${f.eventType ? sql`and d.event_type = ${f.eventType}` : sql``}
    ${f.endpointId ? sql`and d.endpoint_id = ${f.endpointId}` : sql``}`;
  // The page is cut first, and its deliveries' attempts looked at then: in the paged select, the
  // attempt log was built for every delivery the offset skipped (a page past the end of 317,000
  // took 542 ms of the database; QA). A subquery with a limit is never merged into the outer one.
  const { total, rows } = await pageWithTotal<any>(sql, sql`select count(*)::int as total from webhook_deliveries d where ${where()}`, sql`
    select ${withAttempts(sql)} from (
      select d.*, ${microsOf(sql, sql`d.created_at`)} as created_micros from webhook_deliveries d
      where ${where()} ${deliveriesCursor.after(sql, key, sql`d.created_at`, sql`d.id`)}
      order by d.created_at desc, d.id desc limit ${f.limit + 1} offset ${key ? 0 : (f.page - 1) * f.limit}) as d
    order by d.created_at desc, d.id desc`);
  const { page, nextCursor } = pageAndCursor(rows, f.limit, (last) => deliveriesCursor.encode({ micros: last.created_micros, id: last.id }));
  return { total, items: page.map(view), nextCursor };
}

/** One of the partner's deliveries with its attempts, as the list shows it; WHK_002 for another partner's or an unknown one. */
export async function getDelivery(sql: Queryable, partnerId: string, deliveryId: string) {
  const [d] = await sql`select ${withAttempts(sql)} from webhook_deliveries d where d.partner_id = ${partnerId} and d.id = ${deliveryId}`;
  if (!d) throw new AppError('WHK_002', { deliveryId });
  return view(d);
}

/** Sends a delivery again now, whatever its state; the attempt count goes on from where it was. */
export async function redeliver(tx: Transaction, partnerId: string, deliveryId: string) {
  const [d] = await tx<{ id: string; enabled: boolean; event_type: string; endpoint_id: string; disabled_by: string | null }[]>`
    update webhook_deliveries d set status = 'PENDING', next_attempt_at = now(), attempt_base = attempts, redeliveries = redeliveries + 1
    from webhook_endpoints e
    where d.partner_id = ${partnerId} and d.id = ${deliveryId} and e.partner_id = d.partner_id and e.id = d.endpoint_id
    returning d.id, e.enabled, d.event_type, e.id as endpoint_id, e.disabled_by`;
  if (!d) throw new AppError('WHK_002', { deliveryId });
  // Which endpoint, and who disabled it (partner: deleted, for good), as a test event's WHK_004 says:
  // the hint's first step, PATCH enabled: true, is WHK_001 for a deleted one (QA).
  if (!d.enabled) throw new AppError('WHK_004', { deliveryId, endpointId: d.endpoint_id, disabledBy: d.disabled_by });
  // The delivery's job key, of its id as PostgreSQL writes it (lower case): replaces a retry already
  // scheduled instead of adding a second job. The id as sent, in upper case, keyed a second chain of
  // retries beside the first, which the abandoned-work sweep did not see as the delivery's (QA).
  // Due now, not early: the job replaced keeps when it was added, and its age on /metrics
  // (from when it was due or added, the later) read 5 minutes at once (review).
  await enqueueDelivery(tx, partnerId, d.id, d.event_type, { headStart: false });
}
