/** Every event type a partner can subscribe to (the PIM adds its own through the same outbox). */
export const WEBHOOK_EVENT_TYPES = [
  'catalog.sync.completed', 'products.bulk.completed', 'stock.update.requested', 'stock.update.completed',
  'product.created', 'product.updated', 'product.deleted', 'prices.update.completed', 'products.deletion.completed', 'export.completed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
