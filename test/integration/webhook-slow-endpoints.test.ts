import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { pollUntil, startTestWorker } from '../helpers/worker.js';
import { receiver, partnerWithEvents as sharedPartnerWithEvents, QUEUE_TEST_ENV } from '../helpers/webhooks.js';
import { createWebhookEndpoint, listWebhookEndpoints, updateWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { sendTestEvent } from '../../src/webhooks/test-event.js';
import { deliverWebhook } from '../../src/webhooks/deliver.js';

// Receivers that answer, slowly (over a quarter of the 1 s timeout). Two delivery slots, retries far
// away (they stay out of the test). The failing endpoints' queue: webhook-failing-endpoint-queue.test.ts.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp({ env: QUEUE_TEST_ENV });
});
afterAll(async () => { await ctx.close(); });

const partnerWithEvents = (url: string, events: number) => sharedPartnerWithEvents(ctx, url, events);

describe('a partner whose receivers answer, but slowly, on several endpoints', () => {
  it("holds one delivery slot once one of them is known slow: another partner's webhook is not sent after their whole backlog (security QA, review)", { timeout: 60000 }, async () => {
    // 600 ms an answer, over a quarter of the 1 s timeout: slow. 4 endpoints, 4 test events each,
    // sent endpoint by endpoint (the security QA's order; with the slowness an endpoint's own,
    // each endpoint's first ones still took both slots: 12 attempts before the other partner's).
    let delayMs = 600;
    const slowRx = createServer((req, res) => { req.resume(); setTimeout(() => { res.statusCode = 204; res.end(); }, delayMs); });
    await new Promise<void>((r) => slowRx.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slowRx.address() as AddressInfo).port}/hooks`;
    const healthy = await receiver(0);
    try {
      const slow = await createTestStore(ctx);
      for (let n = 0; n < 4; n++) {
        const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, slow.partnerId, { url: `${url}/${n}` });
        for (let k = 0; k < 4; k++) await ctx.sql.begin((tx) => sendTestEvent(tx, slow.partnerId, endpoint.id));
      }
      const other = await partnerWithEvents(healthy.url, 1);
      const worker = await startTestWorker(ctx);
      try {
        await pollUntil("the other partner's delivery", async () => {
          const [d] = await ctx.sql`select status from webhook_deliveries where partner_id = ${other.store.partnerId}`;
          return d.status === 'SUCCEEDED';
        }, 30000);
        // A round of slow attempts (one per slot) before the first answer said so, then one slot
        // for the partner and one for the other's: before, all 16 went first (8 rounds of 2, 4.8 s).
        const [{ attempts }] = await ctx.sql`select count(*)::int as attempts from webhook_attempts where partner_id = ${slow.partnerId}`;
        expect(attempts).toBeLessThanOrEqual(4);
        expect(healthy.received).toHaveLength(1);
        // The partner sees it: slowSince on the endpoints known slow.
        const listed = await listWebhookEndpoints(ctx.sql, slow.partnerId, 'enabled');
        expect(listed.filter((e) => e.slowSince !== null).length).toBeGreaterThanOrEqual(1);

        // Quick again: every delivery is sent, none lost or sent twice, and no endpoint is slow.
        delayMs = 0;
        await pollUntil("the slow partner's deliveries all sent", async () => {
          const [left] = await ctx.sql`select count(*)::int as n from webhook_deliveries where partner_id = ${slow.partnerId} and status <> 'SUCCEEDED'`;
          return left.n === 0;
        }, 30000);
      } finally { await worker.stop(); }
      const [sent] = await ctx.sql`select count(*)::int as deliveries, sum(attempts)::int as attempts from webhook_deliveries where partner_id = ${slow.partnerId}`;
      expect(sent).toEqual({ deliveries: 16, attempts: 16 });
      // Each endpoint's last delivery went quick (sent endpoint by endpoint, the last ones waited).
      expect((await listWebhookEndpoints(ctx.sql, slow.partnerId, 'enabled')).filter((e) => e.slowSince !== null)).toEqual([]);
    } finally {
      slowRx.closeAllConnections();
      slowRx.close();
      await healthy.close();
    }
  });

  it('counts an attempt that timed out as slow: a hanging receiver sends its partner\'s other deliveries one at a time', async () => {
    const held: ServerResponse[] = [];
    const hanging = createServer((req, res) => { req.resume(); held.push(res); });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const { store, endpoint } = await partnerWithEvents(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hooks`, 1);
      const [d] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: d.id });
      const [row] = await ctx.sql`select failing_since is not null as failing, slow_since is not null as slow from webhook_endpoints where id = ${endpoint.id}`;
      expect(row).toEqual({ failing: true, slow: true });
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});

describe("an endpoint's slow attempts", () => {
  /** A receiver answering 204 after `delayMs`, calling `during` (if set) while it waits. */
  async function slowReceiver(delayMs: number, during?: () => Promise<unknown>) {
    const server = createServer((req, res) => {
      req.resume();
      void Promise.resolve(during?.()).then(() => setTimeout(() => { res.statusCode = 204; res.end(); }, delayMs));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => { server.closeAllConnections(); server.close(); } };
  }
  const speedOf = async (id: string) => (await ctx.sql`select slow_since, last_slow_at from webhook_endpoints where id = ${id}`)[0];

  it('move its last slow attempt on each, its streak kept: an endpoint that stays slow keeps its partner one at a time (review)', async () => {
    const rx = await slowReceiver(400);
    try {
      const { store, endpoint } = await partnerWithEvents(rx.url, 2);
      const ids = (await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id} order by created_at, id`).map((r) => r.id);
      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: ids[0] });
      const first = await speedOf(endpoint.id);
      expect(first.slow_since).toEqual(first.last_slow_at);
      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: ids[1], isolated: true });
      const second = await speedOf(endpoint.id);
      expect(second.slow_since).toEqual(first.slow_since);
      expect(second.last_slow_at.getTime()).toBeGreaterThan(first.last_slow_at.getTime());
    } finally { rx.close(); }
  });

  it("do not mark a URL the partner gave while the old one's answer was in flight (review)", async () => {
    let change: () => Promise<unknown> = async () => {};
    const rx = await slowReceiver(400, () => change());
    try {
      const { store, endpoint } = await partnerWithEvents(rx.url, 1);
      const [d] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
      change = () => updateWebhookEndpoint(ctx.sql, store.partnerId, endpoint.id, { url: 'https://fixed.example/in' });
      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: d.id });
      expect(await speedOf(endpoint.id)).toEqual({ slow_since: null, last_slow_at: null });
    } finally { rx.close(); }
  });
});

describe("a partner's slow endpoint that has nothing more to send", () => {
  it("keeps the partner's deliveries one at a time for 10 minutes after its last slow attempt, and none once its URL changes (review: for ever)", async () => {
    const healthy = await receiver(0);
    try {
      const { store, endpoint } = await partnerWithEvents(healthy.url, 1);
      const other = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: 'https://rare.example/in', eventTypes: ['export.completed'] });
      const [d] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
      /** Where the delivery's job goes when it finds the partner so: run as a job in the common queue, moved or sent. */
      const queueAfter = async () => {
        await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: d.id });
        const [job] = await ctx.sql`select q.queue_name from graphile_worker._private_jobs j
          left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.key = ${`webhook-delivery:${d.id}`}`;
        return job?.queue_name;
      };
      const slowFor = (minutes: number) => ctx.sql`update webhook_endpoints set slow_since = now() - make_interval(mins => ${minutes + 5}),
        last_slow_at = now() - make_interval(mins => ${minutes}) where id = ${other.id}`;
      // The other endpoint was slow 2 minutes ago: this delivery goes to the partner's queue, unsent.
      await slowFor(2);
      expect(await queueAfter()).toBe(`webhook-partner:${store.partnerId}`);
      expect(healthy.received).toHaveLength(0);
      // 11 minutes ago: no more; run from there it moves back (as isolated), then is sent.
      await slowFor(11);
      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: d.id, isolated: true });
      expect(await queueAfter()).toBeNull();
      expect(healthy.received).toHaveLength(1);
      // Slow just now, then its URL fixed: a new receiver, not slow.
      await slowFor(0);
      await updateWebhookEndpoint(ctx.sql, store.partnerId, other.id, { url: 'https://rare.example/fixed' });
      expect((await ctx.sql`select slow_since, last_slow_at from webhook_endpoints where id = ${other.id}`)[0]).toEqual({ slow_since: null, last_slow_at: null });
      // The same URL sent again keeps what it knows.
      await slowFor(0);
      await updateWebhookEndpoint(ctx.sql, store.partnerId, other.id, { url: 'https://rare.example/fixed', eventTypes: [] });
      expect((await ctx.sql`select slow_since is not null as slow from webhook_endpoints where id = ${other.id}`)[0].slow).toBe(true);
    } finally { await healthy.close(); }
  });
});
