/**
 * Omni's own word to a partner that it disabled one of the partner's endpoints (endpoint-health.ts):
 * a partner-level event (no store), named as `webhook.test` is, after the thing it concerns.
 */
export const ENDPOINT_DISABLED_EVENT_TYPE = 'webhook.endpoint.disabled';

/** Every event type a partner can subscribe to (the PIM adds its own through the same outbox). */
export const WEBHOOK_EVENT_TYPES = [
  'catalog.sync.completed', 'products.bulk.completed', 'stock.update.requested', 'stock.update.completed',
  'product.created', 'product.updated', 'product.deleted', 'prices.update.completed', 'products.deletion.completed', 'export.completed', 'export.failed',
  ENDPOINT_DISABLED_EVENT_TYPE,
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The event types written once per row of a request (a stock update's, a product's each change):
 * a 1,000-row request writes 1,000 of them. Their deliveries run after those of every other type
 * (a batch's or an export's end, an endpoint disabled, a test event), which they held up in order
 * of writing: a catalog.sync.completed waited behind ~33,000 stock.update.requested deliveries,
 * an export.completed 47 s behind ~21,000 product.created ones (QA).
 */
export const PER_ROW_EVENT_TYPES: readonly string[] = ['stock.update.requested', 'product.created', 'product.updated', 'product.deleted'];

/** A delivery job's graphile-worker priority (lower runs first): 0 for a per-row event's, -1 for the others'. Migration 0145's fan-out gives the same. */
export const deliveryPriority = (eventType: string) => (PER_ROW_EVENT_TYPES.includes(eventType) ? 0 : -1);

