/** Every event type a partner can subscribe to (the PIM adds its own through the same outbox). */
export const WEBHOOK_EVENT_TYPES = [
  'catalog.sync.completed', 'products.bulk.completed', 'stock.update.requested', 'stock.update.completed',
  'product.created', 'product.updated', 'product.deleted', 'prices.update.completed', 'products.deletion.completed', 'export.completed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Delay before retry n (1-based): base, x4 each time, capped at 6 hours. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 4 ** (attempt - 1), 6 * 3600 * 1000);
}
