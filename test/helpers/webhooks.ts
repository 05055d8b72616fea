import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Runner } from 'graphile-worker';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '../../src/sdk/index.js';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from './test-app.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { startTestWorker } from './worker.js';

export interface Received { headers: Record<string, string>; body: string; verified: boolean; payload?: any }

/** A real receiver on 127.0.0.1 that verifies signatures and fails the first `failFirst` requests. */
export async function receiver(failFirst: number) {
  const received: Received[] = [];
  let secret = '';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const headers = req.headers as Record<string, string>;
      let verified = false;
      let payload: unknown;
      // Verified by the standardwebhooks package and by the partner SDK's verifyWebhook alike:
      // every delivery a test receives checks the SDK against what Omni really sends.
      try {
        payload = new Webhook(secret).verify(body, headers);
        verified = verifyWebhook(secret, body, headers).id === headers['webhook-id'];
      } catch { verified = false; }
      received.push({ headers, body, verified, payload });
      res.statusCode = received.length <= failFirst ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, setSecret: (s: string) => { secret = s; }, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A receiver on 127.0.0.1 answering every request with the status of the moment (`answer` changes
 * it); no signature check. `meanwhile(run)` holds the next request until `run` is done, then
 * answers it: what happens while an attempt is in flight (requests made by `run` are answered at
 * once). A `run` that throws is kept in `failures`, its request answered 599.
 */
export async function statusReceiver(status: number) {
  const hits: number[] = [];
  const failures: unknown[] = [];
  let held: (() => Promise<unknown>) | undefined;
  const server = createServer((req, res) => {
    const meanwhile = held;
    held = undefined;
    req.resume();
    req.on('end', () => {
      Promise.resolve(meanwhile?.()).then(
        () => { hits.push(status); res.statusCode = status; res.end(); },
        (err) => { failures.push(err); res.statusCode = 599; res.end(String(err)); });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, hits, failures,
    answer: (next: number) => { status = next; },
    meanwhile: (run: () => Promise<unknown>) => { held = run; },
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

/** The app and a worker on the file's database, with fast retries and short timeouts. */
export async function webhookTestBed(): Promise<{ ctx: TestContext; worker: Runner; close(): Promise<void> }> {
  const ctx = await createTestApp({ env: { WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_MS: '1000' } });
  const worker = await startTestWorker(ctx);
  return {
    ctx, worker,
    async close() {
      await worker.stop();
      await ctx.close();
    },
  };
}

/** Registers an endpoint over the API (201), returning its id and secret. */
export async function register(ctx: TestContext, store: TestStore, url: string, eventTypes?: string[]) {
  const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/webhooks/endpoints', partnerOnly: true, body: { url, eventTypes } });
  expect(res.statusCode).toBe(201);
  return res.json().data as { id: string; secret: string };
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The endpoint's first delivery in this status, once there is one. */
export const deliveryOf = (ctx: TestContext, endpointId: string, status: string) => until(async () => {
  const [d] = await ctx.sql`select * from webhook_deliveries where endpoint_id = ${endpointId} and status = ${status}`;
  return d;
});

/** The env of the webhook queue tests: two delivery slots, attempts that time out after 1 s, retries far away (out of the test). */
export const QUEUE_TEST_ENV = { WEBHOOK_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_BASE_MS: '3600000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };

/** A new partner with an endpoint at `url` (every event type) and `events` product.updated events, each with its delivery. */
export async function partnerWithEvents(ctx: TestContext, url: string, events: number) {
  const store = await createTestStore(ctx);
  const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url });
  await ctx.sql.begin((tx) => emitEvents(tx, Array.from({ length: events },
    (_, n) => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { n } }))));
  return { store, endpoint };
}
