import type { Queryable } from '../db/database.js';

export interface DomainEvent {
  partnerId: string;
  storeId: string | null;
  /** e.g. product.updated, stock.update.requested, catalog.sync.completed */
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Writes events to the outbox in one statement, inside the caller's
 * transaction: an event exists if and only if its change was committed.
 * Webhook delivery reads the outbox.
 *
 * Only events some enabled endpoint subscribes to are written. The outbox has no
 * other reader (deliveries are fanned out when an event is inserted, and an
 * endpoint registered later never receives earlier events), so an event nobody
 * subscribes to would be a row written and never read: for a catalog import
 * without webhooks that was a fifth of the import's PostgreSQL time. The audit log,
 * not the outbox, is the record of what changed.
 */
export async function emitEvents(tx: Queryable, events: DomainEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const partners = [...new Set(events.map((e) => e.partnerId))];
  const subscriptions = await tx<{ partner_id: string; event_types: string[] }[]>`
    select partner_id, event_types from webhook_endpoints where partner_id = any(${partners}::uuid[]) and enabled`;
  if (subscriptions.length === 0) return [];
  const wants = (e: DomainEvent) => subscriptions.some((s) => s.partner_id === e.partnerId && (s.event_types.length === 0 || s.event_types.includes(e.type)));
  const rows = events.filter(wants).map((e) => ({ partner_id: e.partnerId, store_id: e.storeId, type: e.type, payload: e.payload }));
  if (rows.length === 0) return [];
  const inserted = await tx<{ id: string }[]>`
    insert into outbox_events (partner_id, store_id, type, payload)
    select partner_id, store_id, type, payload
    from json_populate_recordset(null::outbox_events, ${tx.json(rows as any)}::json)
    returning id`;
  return inserted.map((r) => r.id);
}
