import type { Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { enqueueDelivery } from './deliver.js';

/** The type of a test event: no partner subscribes to it; it goes to the endpoint it is sent to. */
export const TEST_EVENT_TYPE = 'webhook.test';
/** Test events an endpoint may be sent in any minute (WHK_005 beyond). */
export const TEST_EVENTS_PER_MINUTE = 5;

/**
 * Sends a test event to one enabled endpoint of the partner now (a disabled one is WHK_004) (Stripe's "send test webhook"):
 * an event of type webhook.test, signed and delivered, retried and logged as any other, so a
 * partner can check its receiver and its signature check without waiting for real work. It is
 * written here with its one delivery and job (0094 keeps the fan-out from sending it to others).
 */
export async function sendTestEvent(tx: Transaction, partnerId: string, endpointId: string) {
  // The row lock serialises two test calls for one endpoint, so that both count each other.
  const [endpoint] = await tx<{ enabled: boolean; disabled_by: string | null }[]>`
    select enabled, disabled_by from webhook_endpoints where partner_id = ${partnerId} and id = ${endpointId} and disabled_by is distinct from 'partner' for update`;
  if (!endpoint) throw new AppError('WHK_001', { endpointId });
  if (!endpoint.enabled) throw new AppError('WHK_004', { endpointId, disabledBy: endpoint.disabled_by });
  // Each test event makes the worker POST to a URL the partner chose: bounded, so that the
  // endpoint cannot be used to send requests at will. Read through webhook_deliveries_recent_idx.
  const [{ recent }] = await tx<{ recent: number }[]>`
    select count(*)::int as recent from webhook_deliveries
    where partner_id = ${partnerId} and created_at > now() - interval '1 minute' and endpoint_id = ${endpointId} and event_type = ${TEST_EVENT_TYPE}`;
  if (recent >= TEST_EVENTS_PER_MINUTE) throw new AppError('WHK_005', { endpointId, limit: TEST_EVENTS_PER_MINUTE, windowSeconds: 60 });
  const payload = { endpointId, message: 'A test event sent from Omni at your request; nothing changed.' };
  const [event] = await tx<{ id: string }[]>`
    insert into outbox_events (partner_id, store_id, type, payload)
    values (${partnerId}, null, ${TEST_EVENT_TYPE}, ${tx.json(payload)}) returning id`;
  const [delivery] = await tx<{ id: string }[]>`
    insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type)
    values (${partnerId}, ${endpointId}, ${event.id}, ${TEST_EVENT_TYPE}) returning id`;
  await enqueueDelivery(tx, partnerId, delivery.id, TEST_EVENT_TYPE);
  return { deliveryId: delivery.id, eventId: event.id, eventType: TEST_EVENT_TYPE };
}
