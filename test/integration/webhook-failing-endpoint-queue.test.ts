import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { redeliver } from '../../src/webhooks/deliveries.js';
import { pollUntil, startTestWorker } from '../helpers/worker.js';
import { receiver, statusReceiver, partnerWithEvents as sharedPartnerWithEvents, QUEUE_TEST_ENV } from '../helpers/webhooks.js';
import { deliverWebhook, partnerQueueName } from '../../src/webhooks/deliver.js';

// Two delivery slots, attempts that time out after 1 s, retries far away (they stay out of the test).
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp({ env: QUEUE_TEST_ENV });
});
afterAll(async () => { await ctx.close(); });

const partnerWithEvents = (url: string, events: number) => sharedPartnerWithEvents(ctx, url, events);

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
