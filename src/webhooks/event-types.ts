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
