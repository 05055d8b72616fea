import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { pollUntil, startTestWorker } from '../helpers/worker.js';
import { receiver } from '../helpers/webhooks.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { sendTestEvent } from '../../src/webhooks/test-event.js';
import { redeliver } from '../../src/webhooks/deliveries.js';
import { PER_ROW_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from '../../src/webhooks/event-types.js';

// One delivery slot: the order of the deliveries is the order the queue hands them out.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { WEBHOOK_CONCURRENCY: '1', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } }); });
afterAll(async () => { await ctx.close(); });

/** Each delivery's job, by the delivery's event type: its priority, and whether it is due minutes early. */
const jobs = (partnerId: string) => ctx.sql<{ event_type: string; priority: number; early: boolean }[]>`
  select distinct d.event_type, j.priority, j.run_at < now() - interval '4 minutes' as early from webhook_deliveries d
  join graphile_worker._private_jobs j on j.key = 'webhook-delivery:' || d.id where d.partner_id = ${partnerId} order by 1`;

/** An endpoint of a new partner's on a receiver that verifies what it gets. */
async function partnerReceiving() {
  const rx = await receiver(0);
  const store = await createTestStore(ctx);
  const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: rx.url });
  rx.setSecret(endpoint.secret);
  return { rx, store };
}

describe("a summary event's delivery", () => {
  it("passes the per-row deliveries written in the 5 minutes before it: a batch's end is not sent behind every row's (QA: ~33,000 of them)", async () => {
    const { rx, store } = await partnerReceiving();
    try {
      // 30 per-row events written first, then a batch's end: all queued before a worker runs.
      await ctx.sql.begin((tx) => emitEvents(tx, [
        ...Array.from({ length: 30 }, (_, n) => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { n } })),
        { partnerId: store.partnerId, storeId: store.storeId, type: 'catalog.sync.completed', payload: { batchId: 'pb_x' } },
      ]));
      expect(await jobs(store.partnerId)).toEqual([
        { event_type: 'catalog.sync.completed', priority: 0, early: true }, { event_type: 'product.updated', priority: 0, early: false }]);
      const worker = await startTestWorker(ctx);
      try {
        await pollUntil('every delivery received', async () => rx.received.length >= 31, 20000);
      } finally { await worker.stop(); }
      expect(JSON.parse(rx.received[0].body).type).toBe('catalog.sync.completed');
      expect(rx.received.every((r) => r.verified)).toBe(true);
    } finally { await rx.close(); }
  });

  it('does not pass a per-row delivery waiting longer than that: a stream of batch ends starves none (review: a priority did)', async () => {
    const { rx, store } = await partnerReceiving();
    try {
      await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'stock.update.requested', payload: { n: 0 } }]));
      // As if it had waited 6 minutes behind a busy queue, then 10 batch ends come.
      await ctx.sql`update graphile_worker._private_jobs set run_at = now() - interval '6 minutes'
        where key in (select 'webhook-delivery:' || id from webhook_deliveries where partner_id = ${store.partnerId})`;
      await ctx.sql.begin((tx) => emitEvents(tx, Array.from({ length: 10 },
        (_, n) => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'catalog.sync.completed', payload: { n } }))));
      const worker = await startTestWorker(ctx);
      try {
        await pollUntil('every delivery received', async () => rx.received.length >= 11, 20000);
      } finally { await worker.stop(); }
      expect(JSON.parse(rx.received[0].body).type).toBe('stock.update.requested');
    } finally { await rx.close(); }
  });

  it('is early when queued by the code too (a test event, every subscribable type by the fan-out), not when redelivered', async () => {
    const store = await createTestStore(ctx);
    const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: 'http://127.0.0.1:9/none' });
    await ctx.sql.begin((tx) => emitEvents(tx, WEBHOOK_EVENT_TYPES.map((type) => ({ partnerId: store.partnerId, storeId: null, type, payload: {} }))));
    const test = await ctx.sql.begin((tx) => sendTestEvent(tx, store.partnerId, endpoint.id));
    const expected = [...WEBHOOK_EVENT_TYPES, 'webhook.test'].sort().map((type) => ({ event_type: type, priority: 0, early: !PER_ROW_EVENT_TYPES.includes(type) }));
    expect(await jobs(store.partnerId)).toEqual(expected);
    // A redelivery replaces the job, due now whatever the event: the job keeps when it was added,
    // and early it read 5 minutes old on /metrics at once (review).
    const [row] = await ctx.sql`select id from webhook_deliveries where partner_id = ${store.partnerId} and event_type = 'product.created'`;
    await ctx.sql.begin((tx) => redeliver(tx, store.partnerId, row.id));
    await ctx.sql.begin((tx) => redeliver(tx, store.partnerId, test.deliveryId));
    expect(await jobs(store.partnerId)).toEqual(expected.map((e) => (e.event_type === 'webhook.test' ? { ...e, early: false } : e)));
  });
});
