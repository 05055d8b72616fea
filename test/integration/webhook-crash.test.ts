import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { killWorkerProcess, pollUntil, spawnWorkerProcess, startTestWorker } from '../helpers/worker.js';
import { register } from '../helpers/webhooks.js';
import { emitEvents } from '../../src/webhooks/outbox.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { WORKER_STALE_MS: '1000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } }); });
afterAll(async () => { await ctx.close(); });

/** A receiver slow to answer: it holds every request (never answers) until `answer()`, then answers 204. */
async function slowReceiver() {
  const received: string[] = [];
  const held: ServerResponse[] = [];
  let holding = true;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['webhook-id']));
      if (holding) held.push(res);
      else { res.statusCode = 204; res.end(); }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    answer() { holding = false; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

describe('a worker killed while a webhook delivery is in flight', () => {
  it('attempts the delivery again with the same webhook-id, its attempt log coherent; no event is dropped', { timeout: 90000 }, async () => {
    const store = await createTestStore(ctx);
    const hooks = await slowReceiver();
    try {
      const endpoint = await register(ctx, store, hooks.url, ['product.updated']);
      const emit = (n: number, from: number) => ctx.sql.begin((tx) => emitEvents(tx, Array.from({ length: n }, (_, i) => (
        { partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { n: from + i } }))));
      await emit(10, 0);

      // The child worker sends up to WEBHOOK_CONCURRENCY (2) deliveries at once and waits for their answers.
      const child = spawnWorkerProcess({ WEBHOOK_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
      try {
        await pollUntil('the receiver got the in-flight requests', async () => hooks.received.length >= 2);
      } finally {
        await killWorkerProcess(child);
      }
      const inFlight = [...hooks.received];
      expect(inFlight).toHaveLength(2);
      // Nothing of the attempts the dead worker made was recorded: they are still to be made.
      const unrecorded = await ctx.sql`select d.status, d.attempts, (select count(*)::int from webhook_attempts a where a.delivery_id = d.id) as logged
        from webhook_deliveries d where d.event_id = any(${inFlight}::uuid[])`;
      expect(unrecorded).toEqual([{ status: 'PENDING', attempts: 0, logged: 0 }, { status: 'PENDING', attempts: 0, logged: 0 }]);
      // Changes committed while no worker runs are delivered too.
      await emit(5, 10);

      hooks.answer();
      const worker = await startTestWorker(ctx);
      try {
        await pollUntil('every delivery succeeded', async () => {
          const [{ n }] = await ctx.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpoint.id} and status <> 'SUCCEEDED'`;
          return n === 0;
        });
      } finally {
        await worker.stop();
      }
      const events = (await ctx.sql`select id from outbox_events where store_id = ${store.storeId} order by id`).map((e) => e.id as string);
      expect(events).toHaveLength(15);
      const deliveries = await ctx.sql`
        select d.event_id, d.status, d.attempts, array_agg(a.attempt order by a.attempt) as attempts_logged, array_agg(a.status_code order by a.attempt) as codes
        from webhook_deliveries d left join webhook_attempts a on a.partner_id = d.partner_id and a.delivery_id = d.id
        where d.endpoint_id = ${endpoint.id} group by d.partner_id, d.id order by d.event_id`;
      expect(deliveries).toEqual(events.map((id) => ({ event_id: id, status: 'SUCCEEDED', attempts: 1, attempts_logged: [1], codes: [204] })));
      // At least once, with the same webhook-id: the two in flight twice, the others once.
      const times = (id: string) => hooks.received.filter((r) => r === id).length;
      expect(events.map(times)).toEqual(events.map((id) => (inFlight.includes(id) ? 2 : 1)));
    } finally {
      await hooks.close();
    }
  });
});
