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
 */
export async function emitEvents(tx: Queryable, events: DomainEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({ partner_id: e.partnerId, store_id: e.storeId, type: e.type, payload: e.payload }));
  const inserted = await tx<{ id: string }[]>`
    insert into outbox_events (partner_id, store_id, type, payload)
    select partner_id, store_id, type, payload
    from json_populate_recordset(null::outbox_events, ${tx.json(rows as any)}::json)
    returning id`;
  return inserted.map((r) => r.id);
}
