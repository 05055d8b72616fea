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
 * a 1,000-row request writes 1,000 of them. The deliveries of every other type (a batch's or an
 * export's end, an endpoint disabled, a test event) are queued SUMMARY_HEAD_START_MS early, so
 * that they pass the per-row deliveries written in that time: in order of writing, a
 * catalog.sync.completed waited behind ~33,000 stock.update.requested deliveries, an
 * export.completed 47 s behind ~21,000 product.created ones (QA). A head start, not a priority:
 * graphile-worker takes a lower priority first whatever the wait, and a stream of batch ends
 * (rows all refused write no per-row event) starved every per-row delivery (review: none of
 * another partner's sent in 8 s); a per-row delivery now waits at most 5 minutes more.
 */
export const PER_ROW_EVENT_TYPES: readonly string[] = ['stock.update.requested', 'product.created', 'product.updated', 'product.deleted'];

/** How much earlier than now a delivery of a summary event is queued (migration 0146's fan-out: the same). */
export const SUMMARY_HEAD_START_MS = 5 * 60_000;

/**
 * When a delivery of `eventType` queued now is due: SUMMARY_HEAD_START_MS ago for a summary
 * event's; undefined (the database's now: this process's clock may be ahead of it) for a per-row one's.
 */
export const deliveryDueAt = (eventType: string, now = Date.now()) =>
  (PER_ROW_EVENT_TYPES.includes(eventType) ? undefined : new Date(now - SUMMARY_HEAD_START_MS));
