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

/** The priority of each delivery's job, by the delivery's event type. */
const priorities = (partnerId: string) => ctx.sql<{ event_type: string; priority: number }[]>`
  select distinct d.event_type, j.priority from webhook_deliveries d
  join graphile_worker._private_jobs j on j.key = 'webhook-delivery:' || d.id where d.partner_id = ${partnerId} order by 1`;

describe('deliveries of per-row events', () => {
  it("go after a batch's end and the other summaries: a completed event is not sent behind every row's (QA: ~33,000 of them)", async () => {
    const rx = await receiver(0);
    try {
      const store = await createTestStore(ctx);
      const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: rx.url });
      rx.setSecret(endpoint.secret);
      // 30 per-row events written first, then a batch's end: all queued before a worker runs.
      await ctx.sql.begin((tx) => emitEvents(tx, [
        ...Array.from({ length: 30 }, (_, n) => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { n } })),
        { partnerId: store.partnerId, storeId: store.storeId, type: 'catalog.sync.completed', payload: { batchId: 'pb_x' } },
      ]));
      // Every type of event gets its priority, from the fan-out (SQL) as from the code (deliveryPriority).
      expect(await priorities(store.partnerId)).toEqual([{ event_type: 'catalog.sync.completed', priority: -1 }, { event_type: 'product.updated', priority: 0 }]);
      const worker = await startTestWorker(ctx);
      try {
        await pollUntil('every delivery received', async () => rx.received.length >= 31, 20000);
      } finally { await worker.stop(); }
      const types = rx.received.map((r) => JSON.parse(r.body).type);
      expect(types[0]).toBe('catalog.sync.completed');
      expect(rx.received.every((r) => r.verified)).toBe(true);
    } finally { await rx.close(); }
  });

  it('keep their priority when queued by the code: a test event, a redelivery, every subscribable type by the fan-out', async () => {
    const store = await createTestStore(ctx);
    const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: 'http://127.0.0.1:9/none' });
    await ctx.sql.begin((tx) => emitEvents(tx, WEBHOOK_EVENT_TYPES.map((type) => ({ partnerId: store.partnerId, storeId: null, type, payload: {} }))));
    const test = await ctx.sql.begin((tx) => sendTestEvent(tx, store.partnerId, endpoint.id));
    const expected = [...WEBHOOK_EVENT_TYPES, 'webhook.test'].sort().map((type) => ({ event_type: type, priority: PER_ROW_EVENT_TYPES.includes(type) ? 0 : -1 }));
    expect(await priorities(store.partnerId)).toEqual(expected);
    // A redelivery replaces the job: of a per-row event, at 0; of the test event, at -1.
    const [row] = await ctx.sql`select id from webhook_deliveries where partner_id = ${store.partnerId} and event_type = 'product.created'`;
    await ctx.sql.begin((tx) => redeliver(tx, store.partnerId, row.id));
    await ctx.sql.begin((tx) => redeliver(tx, store.partnerId, test.deliveryId));
    expect(await priorities(store.partnerId)).toEqual(expected);
  });
});
