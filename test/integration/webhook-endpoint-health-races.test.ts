import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { deliverWebhook } from '../../src/webhooks/deliver.js';

/**
 * What happens on an endpoint while one of its attempts is in flight: the receiver below does,
 * before it answers, what another run, another delivery or the partner would have done in that
 * time. No worker: each attempt is deliverWebhook called here, so the interleaving is the test's.
 */
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { WEBHOOK_DISABLE_AFTER_FAILING_HOURS: '120' } }); });
afterAll(async () => { await ctx.close(); });

/** A receiver that runs its `meanwhile` (set by the test) on each request, then answers `status`. */
async function receiverDoing(status: number) {
  let meanwhile: () => Promise<unknown> = async () => undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      meanwhile().then(() => { res.statusCode = status; res.end(); }, (err) => { res.statusCode = 599; res.end(String(err)); });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    meanwhile: (run: () => Promise<unknown>) => { meanwhile = run; },
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

/** A partner with an endpoint on `url` (every type) and one product.updated delivery to it, not yet attempted. */
async function endpointWithDelivery(url: string) {
  const store = await createTestStore(ctx);
  const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url });
  await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }]));
  const [delivery] = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id}`;
  return { store, endpointId: endpoint.id, deliveryId: delivery.id as string };
}

const attempt = (partnerId: string, deliveryId: string) => deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, partnerId, deliveryId);
const endpointRow = async (id: string) => (await ctx.sql<any[]>`
  select enabled, disabled_by, disabled_reason, failing_since from webhook_endpoints where id = ${id}`)[0];
const disabledEvents = (partnerId: string) => ctx.sql`select 1 from outbox_events where partner_id = ${partnerId} and type = 'webhook.endpoint.disabled'`;

describe('an attempt another run of its delivery recorded first', () => {
  it('changes nothing on the endpoint: a 410 not recorded does not disable it, nor announce it', async () => {
    const rx = await receiverDoing(410);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      // Another run of the same delivery (a redelivery racing the scheduled retry) records its attempt first.
      rx.meanwhile(() => ctx.sql`update webhook_deliveries set attempts = attempts + 1 where id = ${deliveryId}`);
      expect(await attempt(store.partnerId, deliveryId)).toBeUndefined();
      expect(await ctx.sql`select 1 from webhook_attempts where delivery_id = ${deliveryId}`).toHaveLength(0);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null, failing_since: null });
      expect(await disabledEvents(store.partnerId)).toHaveLength(0);
    } finally { await rx.close(); }
  });

  it('a failure not recorded starts no streak', async () => {
    const rx = await receiverDoing(500);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      rx.meanwhile(() => ctx.sql`update webhook_deliveries set attempts = attempts + 1 where id = ${deliveryId}`);
      await attempt(store.partnerId, deliveryId);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, failing_since: null });
    } finally { await rx.close(); }
  });
});

describe('a success while another delivery\'s failure is recorded', () => {
  it('ends the streak that failure started: the endpoint as it is when the success is recorded, not as read before it was sent', async () => {
    const rx = await receiverDoing(204);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      // Another delivery to the endpoint, sent a little earlier, fails and is recorded while this one is in flight.
      rx.meanwhile(() => ctx.sql`update webhook_endpoints set failing_since = now() - interval '5 seconds' where id = ${endpointId}`);
      await attempt(store.partnerId, deliveryId);
      const [d] = await ctx.sql`select status from webhook_deliveries where id = ${deliveryId}`;
      expect(d.status).toBe('SUCCEEDED');
      // Left standing, the streak would disable the endpoint on the first failure 120 hours on, a success after its start.
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, failing_since: null });
    } finally { await rx.close(); }
  });
});

describe('an endpoint enabled again while an attempt read before is in flight', () => {
  it('is not disabled again by that attempt\'s failure on the streak it read: the streak was forgotten', async () => {
    const rx = await receiverDoing(500);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      // Read with a streak past the period; in flight, Omni disables it (another attempt) and its partner enables it again.
      await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${endpointId}`;
      rx.meanwhile(async () => {
        await ctx.sql`update webhook_endpoints set enabled = false, disabled_by = 'system', disabled_reason = 'failing', disabled_at = now() where id = ${endpointId}`;
        const res = await signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/webhooks/endpoints/${endpointId}`, partnerOnly: true, body: { enabled: true } });
        expect(res.statusCode).toBe(200);
      });
      expect(await attempt(store.partnerId, deliveryId)).toBeUndefined();
      const row = await endpointRow(endpointId);
      expect(row).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null });
      // Its failure starts a new streak.
      expect(Date.now() - row.failing_since.getTime()).toBeLessThan(60_000);
      expect(await disabledEvents(store.partnerId)).toHaveLength(0);
    } finally { await rx.close(); }
  });
});
