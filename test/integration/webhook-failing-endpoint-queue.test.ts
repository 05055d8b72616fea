import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { redeliver } from '../../src/webhooks/deliveries.js';
import { pollUntil, startTestWorker } from '../helpers/worker.js';
import { receiver, statusReceiver } from '../helpers/webhooks.js';
import { createWebhookEndpoint, listWebhookEndpoints, updateWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { sendTestEvent } from '../../src/webhooks/test-event.js';
import { deliverWebhook, partnerQueueName } from '../../src/webhooks/deliver.js';

// Two delivery slots, attempts that time out after 1 s, retries far away (they stay out of the test).
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp({ env: {
    WEBHOOK_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_MS: '3600000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  } });
});
afterAll(async () => { await ctx.close(); });

async function partnerWithEvents(url: string, events: number) {
  const store = await createTestStore(ctx);
  const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url });
  await ctx.sql.begin((tx) => emitEvents(tx, Array.from({ length: events },
    (_, n) => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { n } }))));
  return { store, endpoint };
}

describe('an endpoint whose receiver hangs, with a backlog of deliveries', () => {
  it('holds one delivery slot once it fails: another partner\'s webhook is not sent after its whole backlog', { timeout: 60000 }, async () => {
    const held: ServerResponse[] = [];
    let hang = true;
    const hanging = createServer((req, res) => {
      req.resume();
      if (hang) held.push(res);
      else { res.statusCode = 204; res.end(); }
    });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const healthy = await receiver(0);
    const worker = await startTestWorker(ctx);
    try {
      // Queued first: eight deliveries to the hanging receiver, each attempt held until it times out.
      const slow = await partnerWithEvents(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hooks`, 8);
      const other = await partnerWithEvents(healthy.url, 1);
      await pollUntil('the other partner\'s delivery', async () => {
        const [d] = await ctx.sql`select status from webhook_deliveries where partner_id = ${other.store.partnerId}`;
        return d.status === 'SUCCEEDED';
      }, 30000);
      // The first two attempts (one per slot) were sent before the endpoint was known to fail; at
      // most one more, its partner's queue's, beside the other partner's. Before, all eight
      // came first (four rounds of two slots, 4 s).
      expect(held.length).toBeLessThanOrEqual(3);
      expect(healthy.received).toHaveLength(1);

      // Nothing was dropped: each of the eight deliveries has its one job, in the endpoint's queue,
      // and the ones not yet attempted have no attempt counted.
      await pollUntil('the hanging endpoint\'s deliveries all queued on it', async () => {
        const [q] = await ctx.sql`
          select count(*)::int as n from graphile_worker.jobs j
          join webhook_deliveries w on j.key = 'webhook-delivery:' || w.id
          where w.endpoint_id = ${slow.endpoint.id} and j.queue_name = ${partnerQueueName(slow.store.partnerId)}`;
        return q.n === 8;
      }, 30000);
      const [counts] = await ctx.sql`
        select count(*)::int as deliveries, sum(attempts)::int as attempts, count(*) filter (where status = 'PENDING')::int as pending,
          (select count(*)::int from webhook_attempts a where a.delivery_id = any(array_agg(w.id))) as recorded
        from webhook_deliveries w where endpoint_id = ${slow.endpoint.id}`;
      expect(counts.deliveries).toBe(8);
      expect(counts.attempts).toBe(counts.recorded);
      expect(counts.pending).toBe(8 - counts.recorded);

      // The receiver is back: the deliveries still waiting are sent (a success ends the streak), none lost on the way.
      hang = false;
      await pollUntil('the waiting deliveries sent', async () => {
        const [left] = await ctx.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${slow.endpoint.id} and status = 'PENDING'`;
        return left.n === 0;
      }, 30000);
      const [after] = await ctx.sql`
        select e.failing_since, count(*) filter (where d.status = 'SUCCEEDED')::int as succeeded, count(*) filter (where d.status = 'RETRYING')::int as retrying
        from webhook_endpoints e join webhook_deliveries d on d.endpoint_id = e.id where e.id = ${slow.endpoint.id} group by e.failing_since`;
      expect(after.failing_since).toBeNull();
      expect(after.succeeded).toBeGreaterThanOrEqual(1);
      expect(after.succeeded + after.retrying).toBe(8);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
      await healthy.close();
      await worker.stop();
    }
  });
});

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

describe("a delivery job in its partner's queue when the endpoint no longer fails", () => {
  // isolated: as queued now; failingEndpointId: a job queued before 2026-12-06 in its endpoint's own queue.
  for (const moved of [{ isolated: true }, { failingEndpointId: 'endpoint' }] as const) {
    it(`goes back to the common queue without an attempt, to be sent side by side with the others (${Object.keys(moved)[0]})`, async () => {
      const healthy = await receiver(0);
      try {
        const { store, endpoint } = await partnerWithEvents(healthy.url, 1);
        const [d] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
        // As a job queued while the endpoint failed runs after its success: no worker, the call is the test's.
        await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, {
          partnerId: store.partnerId, deliveryId: d.id, ...('isolated' in moved ? moved : { failingEndpointId: endpoint.id }),
        });
        expect(healthy.received).toHaveLength(0);
        const [job] = await ctx.sql`select q.queue_name, j.payload from graphile_worker._private_jobs j
          left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.key = ${`webhook-delivery:${d.id}`}`;
        expect(job).toEqual({ queue_name: null, payload: { partnerId: store.partnerId, deliveryId: d.id } });
        const [row] = await ctx.sql`select status, attempts from webhook_deliveries where id = ${d.id}`;
        expect(row).toEqual({ status: 'PENDING', attempts: 0 });
      } finally { await healthy.close(); }
    });
  }
});

describe('a redelivery asked while an attempt of the delivery is in flight', () => {
  /** The delivery's job as graphile-worker holds it: when it runs, and in which queue. */
  const jobOf = (deliveryId: string) => ctx.sql`select q.queue_name, j.run_at <= now() as due from graphile_worker._private_jobs j
    left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.key = ${`webhook-delivery:${deliveryId}`}`.then((r) => r[0]);

  for (const maxAttempts of [8, 2]) {
    it(`is sent next, not an hour later nor ended by the attempt's failure (WEBHOOK_MAX_ATTEMPTS ${maxAttempts})`, async () => {
      const rx = await statusReceiver(500);
      try {
        const { store, endpoint } = await partnerWithEvents(rx.url, 1);
        const [{ id }] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
        const config = { ...ctx.deps.config, WEBHOOK_MAX_ATTEMPTS: maxAttempts };
        await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, config, { partnerId: store.partnerId, deliveryId: id });
        // The endpoint fails now: its retry waits in the endpoint's queue, an hour away. The second
        // attempt (its last, with 2) runs there; the partner asks for the delivery again while it is in flight.
        expect(await jobOf(id)).toEqual({ queue_name: `webhook-partner:${store.partnerId}`, due: false });
        rx.meanwhile(() => ctx.sql.begin((tx) => redeliver(tx, store.partnerId, id)));
        await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, config, { partnerId: store.partnerId, deliveryId: id, isolated: true });
        expect(rx.failures).toEqual([]);
        // Both attempts recorded; the redelivery's schedule starts after them, and its job is due.
        const [row] = await ctx.sql`select status, attempts, attempt_base, redeliveries from webhook_deliveries where id = ${id}`;
        expect(row).toEqual({ status: 'PENDING', attempts: 2, attempt_base: 2, redeliveries: 1 });
        expect((await jobOf(id)).due).toBe(true);
        expect(await ctx.sql`select attempt from webhook_attempts where delivery_id = ${id} order by attempt`).toEqual([{ attempt: 1 }, { attempt: 2 }]);
      } finally { await rx.close(); }
    });
  }
});

describe('a redelivery on a healthy endpoint while an attempt is in flight', () => {
  it('is sent after it, and the delivery ends SUCCEEDED with no job left (it stayed PENDING with none)', { timeout: 60000 }, async () => {
    // Every answer 200 after 400 ms: the first attempt answers, and records, before the redelivery's.
    let posts = 0;
    const slow = createServer((req, res) => { req.resume(); posts += 1; setTimeout(() => { res.statusCode = 200; res.end(); }, 400); });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const worker = await startTestWorker(ctx);
    try {
      const { store, endpoint } = await partnerWithEvents(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/hooks`, 1);
      const [{ id }] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
      await pollUntil('the first attempt in flight', async () => posts === 1, 10000);
      await ctx.sql.begin((tx) => redeliver(tx, store.partnerId, id));
      await pollUntil('the delivery ended', async () => {
        const [row] = await ctx.sql`select status from webhook_deliveries where id = ${id}`;
        return row.status === 'SUCCEEDED';
      }, 10000);
      await pollUntil('no job left for it', async () => (await ctx.sql`select 1 from graphile_worker._private_jobs
        where key = ${`webhook-delivery:${id}`} or payload->>'deliveryId' = ${id}`).length === 0, 10000);
      expect(posts).toBeGreaterThanOrEqual(2);
    } finally {
      slow.closeAllConnections();
      slow.close();
      await worker.stop();
    }
  });
});
