import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { deliveryOf as deliveryIn, receiver, register as registerEndpoint, until, webhookTestBed } from '../helpers/webhooks.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { redeliver } from '../../src/webhooks/deliveries.js';

let ctx: TestContext;
let bed: Awaited<ReturnType<typeof webhookTestBed>>;
beforeAll(async () => { bed = await webhookTestBed(); ctx = bed.ctx; });
afterAll(async () => { await bed?.close(); });

const register = (store: TestStore, url: string, eventTypes?: string[]) => registerEndpoint(ctx, store, url, eventTypes);
const deliveryOf = (endpointId: string, status: string) => deliveryIn(ctx, endpointId, status);

/**
 * A receiver on 127.0.0.1 answering each request (once its body is read) with `answer`, an
 * endpoint of a new store on it subscribed to `type`, and one event of that type emitted: `check`
 * runs with the endpoint, then the receiver closes.
 */
async function oneEventTo(type: string, answer: (res: ServerResponse) => void, check: (endpointId: string) => Promise<void>) {
  const server = createServer((req, res) => { req.resume(); req.on('end', () => answer(res)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(store, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, [type]);
    await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type, payload: {} }]));
    await check(endpoint.id);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('webhooks', () => {
  it('signs deliveries (Standard Webhooks), retries the failed attempts and records each one', async () => {
    const rx = await receiver(2);
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(store, rx.url, ['catalog.sync.completed']);
      rx.setSecret(endpoint.secret);
      const res = await signedInject(ctx, store, {
        method: 'POST', url: '/api/v1/partner/stores/catalog/sync',
        body: { products: [{ externalId: 'w-1', sku: 'W-1', name: 'Hooked', price: 5 }] },
      });
      const delivery = await deliveryOf(endpoint.id, 'SUCCEEDED');
      expect(delivery.attempts).toBe(3);
      expect(rx.received).toHaveLength(3);
      expect(rx.received.every((r) => r.verified)).toBe(true);
      // One event, three attempts: the same webhook-id every time.
      expect(new Set(rx.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
      // The store it concerns, by the id the partner knows it by: a partner has several stores.
      expect(rx.received[2].payload).toMatchObject({
        type: 'catalog.sync.completed', storeClientId: store.storeClientId,
        data: { batchId: res.json().data.batchId, summary: { total: 1, succeeded: 1, failed: 0 } },
      });
      const attempts = await ctx.sql`select attempt, status_code from webhook_attempts where delivery_id = ${delivery.id} order by attempt`;
      expect(attempts.map((a) => [a.attempt, a.status_code])).toEqual([[1, 500], [2, 500], [3, 204]]);

      const list = await signedInject(ctx, store, { method: 'GET', url: '/api/v1/partner/webhooks/deliveries?status=SUCCEEDED', partnerOnly: true });
      expect(list.json().data[0]).toMatchObject({ id: delivery.id, eventType: 'catalog.sync.completed', attempts: 3 });
      expect(list.json().data[0].attemptLog.map((a: any) => a.statusCode)).toEqual([500, 500, 204]);
      for (const a of list.json().data[0].attemptLog) expect(new Date(a.attemptedAt).toISOString()).toBe(a.attemptedAt);
    } finally { await rx.close(); }
  });

  it('fails verification with another secret, and sends nothing for unsubscribed types', async () => {
    const rx = await receiver(0);
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(store, rx.url, ['product.updated']);
      rx.setSecret(`whsec_${Buffer.alloc(24, 7).toString('base64')}`);
      await ctx.sql.begin((tx) => emitEvents(tx, [
        { partnerId: store.partnerId, storeId: store.storeId, type: 'product.created', payload: { id: 'x' } },
        { partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { id: 'y' } },
      ]));
      await deliveryOf(endpoint.id, 'SUCCEEDED');
      expect(rx.received).toHaveLength(1);
      expect(rx.received[0].verified).toBe(false);
      expect(JSON.parse(rx.received[0].body)).toMatchObject({ type: 'product.updated', data: { id: 'y' } });
    } finally { await rx.close(); }
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS, and delivers again on request', async () => {
    const rx = await receiver(3);
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(store, rx.url);
      rx.setSecret(endpoint.secret);
      await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'stock.update.completed', payload: { n: 1 } }]));
      const exhausted = await deliveryOf(endpoint.id, 'EXHAUSTED');
      expect(exhausted.attempts).toBe(3);
      const res = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/webhooks/deliveries/${exhausted.id}/redeliver`, partnerOnly: true });
      expect(res.statusCode).toBe(202);
      const done = await deliveryOf(endpoint.id, 'SUCCEEDED');
      expect(done.attempts).toBe(4);
      expect(rx.received).toHaveLength(4);

      const other = await createTestStore(ctx, 0);
      const hidden = await signedInject(ctx, other, { method: 'POST', url: `/api/v1/partner/webhooks/deliveries/${exhausted.id}/redeliver`, partnerOnly: true });
      expect(hidden.json().error.code).toBe('WHK_002');
    } finally { await rx.close(); }
  });

  it('a redelivery asked for while a job is queued replaces it: one job per delivery, each attempt counted once', async () => {
    const rx = await receiver(0);
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(store, rx.url, ['product.created']);
      rx.setSecret(endpoint.secret);
      let deliveryId = '';
      await ctx.sql.begin(async (tx) => {
        const [eventId] = await emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.created', payload: { id: 'r' } }]);
        [{ id: deliveryId }] = await tx`select id from webhook_deliveries where event_id = ${eventId}`;
        await redeliver(tx, store.partnerId, deliveryId);
        // The id as a caller may send it, in upper case (a uuid's case means nothing): the same job,
        // not a second chain of retries keyed by the other spelling (QA).
        await redeliver(tx, store.partnerId, deliveryId.toUpperCase());
        const jobs = await tx`select key, payload->>'deliveryId' as delivery from graphile_worker._private_jobs where payload->>'deliveryId' ilike ${deliveryId}`;
        expect(jobs.map((j) => [j.key, j.delivery])).toEqual([[`webhook-delivery:${deliveryId}`, deliveryId]]);
      });
      const done = await deliveryOf(endpoint.id, 'SUCCEEDED');
      expect(done.attempts).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(rx.received).toHaveLength(1);
      expect(rx.received[0].verified).toBe(true);
    } finally { await rx.close(); }
  });

  it('deleting an endpoint stops its scheduled retries and its new deliveries; no redelivery to it', async () => {
    const rx = await receiver(1000);
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(store, rx.url, ['product.updated']);
      await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }]));
      const retrying = await deliveryOf(endpoint.id, 'RETRYING');
      const del = await signedInject(ctx, store, { method: 'DELETE', url: `/api/v1/partner/webhooks/endpoints/${endpoint.id}`, partnerOnly: true });
      expect([del.statusCode, del.json().message]).toEqual([200, 'Webhook endpoint deleted']);
      const stopped = await deliveryOf(endpoint.id, 'EXHAUSTED');
      expect(stopped).toMatchObject({ id: retrying.id, last_error: 'endpoint disabled' });
      expect(rx.received.length).toBeLessThan(3);

      await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }]));
      const [{ n }] = await ctx.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpoint.id}`;
      expect(n).toBe(1);
      const again = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/webhooks/deliveries/${retrying.id}/redeliver`, partnerOnly: true });
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toMatchObject({ code: 'WHK_004', details: { context: { deliveryId: retrying.id, endpointId: endpoint.id, disabledBy: 'partner' } } });
    } finally { await rx.close(); }
  });

  it('records a timed-out attempt with its latency and error, then retries', async () => {
    let calls = 0;
    // The first request never gets an answer.
    await oneEventTo('stock.update.requested', (res) => { calls += 1; if (calls > 1) res.writeHead(200).end(); }, async (endpointId) => {
      const done = await deliveryOf(endpointId, 'SUCCEEDED');
      const attempts = await ctx.sql`select status_code, latency_ms, error from webhook_attempts where delivery_id = ${done.id} order by attempt`;
      expect(attempts).toHaveLength(2);
      expect(attempts[0].status_code).toBeNull();
      expect(attempts[0].error).toMatch(/timeout|aborted/i);
      expect(attempts[0].latency_ms).toBeGreaterThanOrEqual(990);
      expect(attempts[1]).toMatchObject({ status_code: 200, error: null });
    });
  });

  it("waits at least what a failed answer's Retry-After asks before the next attempt", async () => {
    const seen: number[] = [];
    const answer = (res: ServerResponse) => {
      seen.push(Date.now());
      if (seen.length === 1) res.writeHead(503, { 'retry-after': '2' }).end(); else res.writeHead(204).end();
    };
    await oneEventTo('stock.update.completed', answer, async (endpointId) => {
      const retrying = await deliveryOf(endpointId, 'RETRYING');
      const [first] = await ctx.sql`select attempted_at from webhook_attempts where delivery_id = ${retrying.id} and attempt = 1`;
      // The backoff alone (WEBHOOK_RETRY_BASE_MS 100) would retry after 0.1 s.
      expect(retrying.next_attempt_at.getTime() - first.attempted_at.getTime()).toBeGreaterThanOrEqual(2000);
      await deliveryOf(endpointId, 'SUCCEEDED');
      expect(seen).toHaveLength(2);
      expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(1900);
    });
  });

  it("reads no more than the start of a receiver's answer, however long it is", async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let written = -1;
    const answer = async (res: ServerResponse) => {
      res.writeHead(200, { 'content-length': String(total) });
      let sent = 0;
      // Counts what the socket took before the worker closed it: what it could not read it did not buffer.
      while (sent < total && !res.destroyed) {
        if (!res.write(chunk)) await new Promise((r) => { res.once('drain', r); res.once('close', r); });
        if (!res.destroyed) sent += chunk.length;
      }
      written = sent;
      res.end();
    };
    await oneEventTo('product.created', answer, async (endpointId) => {
      const done = await deliveryOf(endpointId, 'SUCCEEDED');
      expect(done).toMatchObject({ attempts: 1, last_status_code: 200, last_error: null });
      await until(async () => written >= 0);
      expect(written).toBeLessThan(total / 4);
    });
  });

  it("records why a connection failed (its cause's code), not undici's bare \"fetch failed\"", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r)); // nothing listens there now: the connection is refused
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(store, `http://127.0.0.1:${port}/gone`, ['product.deleted']);
    await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.deleted', payload: {} }]));
    const retrying = await deliveryOf(endpoint.id, 'RETRYING');
    expect(retrying.last_error).toMatch(/^TypeError: fetch failed \(ECONNREFUSED: .*127\.0\.0\.1/);
    const [attempt] = await ctx.sql`select status_code, error from webhook_attempts where delivery_id = ${retrying.id} and attempt = 1`;
    expect(attempt).toEqual({ status_code: null, error: retrying.last_error });
    await signedInject(ctx, store, { method: 'DELETE', url: `/api/v1/partner/webhooks/endpoints/${endpoint.id}`, partnerOnly: true });
  });

  it('an event whose transaction rolls back leaves no delivery and no job', async () => {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(store, 'http://127.0.0.1:9/never');
    let deliveryId = '';
    await expect(ctx.sql.begin(async (tx) => {
      const [eventId] = await emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.created', payload: {} }]);
      [{ id: deliveryId }] = await tx`select id from webhook_deliveries where event_id = ${eventId}`; // fanned out in this transaction
      throw new Error('rollback');
    })).rejects.toThrow('rollback');
    expect(deliveryId).not.toBe('');
    const [{ n }] = await ctx.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpoint.id}`;
    const [{ jobs }] = await ctx.sql`select count(*)::int as jobs from graphile_worker._private_jobs where payload->>'deliveryId' = ${deliveryId}`;
    expect([n, jobs]).toEqual([0, 0]);
  });

  it('a test event goes, signed, to the one endpoint it was sent to, whatever the types it subscribes to', async () => {
    const [rx, other] = [await receiver(0), await receiver(0)];
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(store, rx.url, ['stock.update.completed']);
      rx.setSecret(endpoint.secret);
      const everything = await register(store, other.url);
      const res = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/webhooks/endpoints/${endpoint.id}/test`, partnerOnly: true });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ success: true, message: 'Test event queued', data: { eventType: 'webhook.test' } });
      const delivery = await deliveryOf(endpoint.id, 'SUCCEEDED');
      expect(delivery.id).toBe(res.json().data.deliveryId);
      expect(rx.received).toHaveLength(1);
      expect(rx.received[0].verified).toBe(true);
      expect(rx.received[0].headers['webhook-id']).toBe(res.json().data.eventId);
      expect(rx.received[0].payload).toMatchObject({ type: 'webhook.test', storeClientId: null, data: { endpointId: endpoint.id } });
      // The endpoint subscribed to every type heard nothing of it.
      expect(await ctx.sql`select 1 from webhook_deliveries where endpoint_id = ${everything.id}`).toHaveLength(0);
      expect(other.received).toHaveLength(0);

      const unknown = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/webhooks/endpoints/we_nope/test', partnerOnly: true });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('WHK_001');
    } finally {
      await rx.close();
      await other.close();
    }
  });

  it('sends an endpoint at most 5 test events a minute (WHK_005, 429 with Retry-After), queuing nothing beyond', async () => {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(store, 'http://127.0.0.1:9/hooks');
    const send = () => signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/webhooks/endpoints/${endpoint.id}/test`, partnerOnly: true });
    for (let i = 0; i < 5; i++) expect((await send()).statusCode).toBe(202);
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.json().error).toMatchObject({ code: 'WHK_005', details: { context: { endpointId: endpoint.id, limit: 5, windowSeconds: 60 } } });
    const [{ n }] = await ctx.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpoint.id}`;
    expect(n).toBe(5);
  });
});

