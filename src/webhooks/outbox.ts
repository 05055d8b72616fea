import type { Queryable } from '../db/database.js';

export interface DomainEvent {
  partnerId: string;
  storeId: string | null;
  /** e.g. product.updated, stock.update.requested, catalog.sync.completed */
  type: string;
  payload: Record<string, unknown>;
}

/**
 * The events of one partner, of the given types, built only if an enabled endpoint of the
 * partner subscribes to one of them: a bulk chunk built a payload a row (1,000 objects of
 * garbage for the worker or the API) for the usual case, where nobody listens.
 */
export interface DeferredEvents {
  partnerId: string;
  types: string[];
  build(): DomainEvent[];
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
export async function emitEvents(tx: Queryable, given: DomainEvent[] | DeferredEvents): Promise<string[]> {
  const deferred = Array.isArray(given) ? null : given;
  if (!deferred && (given as DomainEvent[]).length === 0) return [];
  const partners = deferred ? [deferred.partnerId] : [...new Set((given as DomainEvent[]).map((e) => e.partnerId))];
  const subscriptions = await tx<{ partner_id: string; event_types: string[] }[]>`
    select partner_id, event_types from webhook_endpoints where partner_id = any(${partners}::uuid[]) and enabled`;
  const wants = (partnerId: string, type: string) => subscriptions.some((s) => s.partner_id === partnerId && (s.event_types.length === 0 || s.event_types.includes(type)));
  if (deferred && !deferred.types.some((t) => wants(deferred.partnerId, t))) return [];
  const events = deferred ? deferred.build() : given as DomainEvent[];
  const rows = events.filter((e) => wants(e.partnerId, e.type)).map((e) => ({ partner_id: e.partnerId, store_id: e.storeId, type: e.type, payload: e.payload }));
  if (rows.length === 0) return [];
  const inserted = await tx<{ id: string }[]>`
    insert into outbox_events (partner_id, store_id, type, payload)
    select partner_id, store_id, type, payload
    from json_populate_recordset(null::outbox_events, ${tx.json(rows as any)}::json)
    returning id`;
  return inserted.map((r) => r.id);
}
