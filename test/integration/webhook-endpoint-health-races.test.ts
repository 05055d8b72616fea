import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { statusReceiver } from '../helpers/webhooks.js';
import { omniJson } from '../helpers/cli.js';
import { createWebhookEndpoint, setWebhookEndpointEnabled } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { deliverWebhook } from '../../src/webhooks/deliver.js';

/**
 * What happens on an endpoint while one of its attempts is in flight: the receiver holds the
 * request (statusReceiver's `meanwhile`) while the test does what another run, another delivery,
 * the partner or an operator would have done in that time. No worker: each attempt is
 * deliverWebhook called here, so the interleaving is the test's.
 */
let ctx: TestContext;
// A held request waits for its `meanwhile` (an `omni` process, on a busy machine several seconds):
// the request's timeout (10 s by default) is longer than the test's own 30 s.
beforeAll(async () => { ctx = await createTestApp({ env: { WEBHOOK_DISABLE_AFTER_FAILING_HOURS: '120', WEBHOOK_TIMEOUT_MS: '40000' } }); });
afterAll(async () => { await ctx.close(); });

/**
 * A partner with an endpoint on `url` (every type) and `events` product.updated deliveries to it,
 * not yet attempted (`deliveryId` the first, `deliveryIds` all).
 */
async function endpointWithDelivery(url: string, events = 1) {
  const store = await createTestStore(ctx);
  const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url });
  const ids = await ctx.sql.begin((tx) => emitEvents(tx, Array.from({ length: events },
    () => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }))));
  const deliveries = await ctx.sql`select id from webhook_deliveries where endpoint_id = ${endpoint.id} and event_id = any(${ids}::uuid[])`;
  const deliveryIds = deliveries.map((d) => d.id as string);
  return { store, endpointId: endpoint.id, deliveryId: deliveryIds[0], deliveryIds };
}

/** An attempt of the delivery as its job runs it in the queue it belongs in (its endpoint's own while the endpoint fails). */
const attempt = async (partnerId: string, deliveryId: string) => {
  const [d] = await ctx.sql`select e.id, e.failing_since, e.slow_since from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id where d.id = ${deliveryId}`;
  return deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId, deliveryId, ...(d.failing_since || d.slow_since ? { isolated: true } : {}) });
};
const endpointRow = async (id: string) => (await ctx.sql<any[]>`
  select enabled, disabled_by, disabled_reason, failing_since from webhook_endpoints where id = ${id}`)[0];
const disabledEvents = (partnerId: string) => ctx.sql`select 1 from outbox_events where partner_id = ${partnerId} and type = 'webhook.endpoint.disabled'`;

describe('an attempt another run of its delivery recorded first', () => {
  it('changes nothing on the endpoint: a 410 not recorded does not disable it, nor announce it', async () => {
    const rx = await statusReceiver(410);
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
    const rx = await statusReceiver(500);
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
    const rx = await statusReceiver(204);
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

/**
 * An endpoint disabled and enabled again while one of its attempts is in flight: that attempt was
 * sent to the endpoint as it was before the re-enable, and its answer, recorded after it, must not
 * undo it (disable it again, start its failing streak, or end the streak of the attempts since).
 */
describe('an endpoint enabled again while an attempt sent before is in flight', () => {
  /** The partner enables its endpoint again (PATCH enabled: true). */
  const enableAsPartner = (store: TestStore, id: string) =>
    signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/webhooks/endpoints/${id}`, partnerOnly: true, body: { enabled: true } });
  const deliveryRow = async (id: string) => (await ctx.sql<any[]>`select status, attempts, last_status_code from webhook_deliveries where id = ${id}`)[0];

  it('is not disabled again by that attempt\'s 410; an attempt sent after the re-enable and answered 410 disables it', async () => {
    const rx = await statusReceiver(410);
    try {
      const { store, endpointId, deliveryIds: [held, other] } = await endpointWithDelivery(rx.url, 2);
      // Another endpoint of the partner hears of each disabling (no worker here: the event is only written).
      await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: 'http://127.0.0.1:9/told', eventTypes: ['webhook.endpoint.disabled'] });
      // In flight, another delivery's attempt is answered 410 (Omni disables the endpoint), and its partner enables it again.
      rx.meanwhile(async () => {
        expect(await attempt(store.partnerId, other)).toMatchObject({ reason: 'gone' });
        expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'gone' });
        expect((await enableAsPartner(store, endpointId)).statusCode).toBe(200);
      });
      expect(await attempt(store.partnerId, held)).toBeUndefined();
      expect(rx.failures).toEqual([]);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null, failing_since: null });
      // Announced once: the other attempt's disabling. The held delivery is recorded, and retried as any failed one.
      expect(await disabledEvents(store.partnerId)).toHaveLength(1);
      expect(await deliveryRow(held)).toMatchObject({ status: 'RETRYING', attempts: 1, last_status_code: 410 });

      // Its retry, sent after the re-enable, is answered 410 too: that one disables the endpoint.
      expect(await attempt(store.partnerId, held)).toMatchObject({ reason: 'gone' });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'gone' });
      expect(await disabledEvents(store.partnerId)).toHaveLength(2);
      expect(await deliveryRow(held)).toMatchObject({ status: 'EXHAUSTED', attempts: 2 });
    } finally { await rx.close(); }
  });

  it('is not disabled by that attempt\'s failure on the streak it read, nor is its streak started by it; one sent after a streak the period long disables it', async () => {
    const rx = await statusReceiver(500);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      // Read with a streak past the period; in flight, an operator disables the endpoint and enables it again.
      await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${endpointId}`;
      rx.meanwhile(async () => {
        expect(await omniJson('admin', 'webhook', 'disable', endpointId)).toMatchObject({ enabled: false, disabledBy: 'operator' });
        expect(await omniJson('admin', 'webhook', 'enable', endpointId)).toMatchObject({ enabled: true, failingSince: null });
      });
      expect(await attempt(store.partnerId, deliveryId)).toBeUndefined();
      expect(rx.failures).toEqual([]);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null, failing_since: null });
      expect(await disabledEvents(store.partnerId)).toHaveLength(0);
      expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'RETRYING', attempts: 1, last_status_code: 500 });

      // Its retry, sent after the re-enable, fails: it starts the streak (at its own attempt).
      await attempt(store.partnerId, deliveryId);
      const [second] = await ctx.sql`select attempted_at from webhook_attempts where delivery_id = ${deliveryId} and attempt = 2`;
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, failing_since: second.attempted_at });
      // That streak, once the period long, disables the endpoint on the next failure.
      await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${endpointId}`;
      expect(await attempt(store.partnerId, deliveryId)).toMatchObject({ reason: 'failing' });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'failing' });
    } finally { await rx.close(); }
  });

  it('keeps the streak of the attempts since the re-enable when that attempt succeeds: it was sent before them', async () => {
    const rx = await statusReceiver(204);
    try {
      const { store, endpointId, deliveryIds: [held, other] } = await endpointWithDelivery(rx.url, 2);
      rx.meanwhile(async () => {
        // As `omni admin webhook disable`, then `enable`, do (the commands themselves: the test above).
        await setWebhookEndpointEnabled(ctx.sql, endpointId, false);
        await setWebhookEndpointEnabled(ctx.sql, endpointId, true);
        // Sent after the re-enable, another delivery's attempt fails: the streak starts.
        rx.answer(500);
        await attempt(store.partnerId, other);
        rx.answer(204);
      });
      await attempt(store.partnerId, held);
      expect(rx.failures).toEqual([]);
      expect(rx.hits).toEqual([500, 204]);
      expect(await deliveryRow(held)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
      const [failed] = await ctx.sql`select attempted_at from webhook_attempts where delivery_id = ${other}`;
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, failing_since: failed.attempted_at });
    } finally { await rx.close(); }
  });

  it('is still disabled by that attempt\'s 410 when the PATCH enabled: true came while it was enabled: no re-enable, nothing forgotten', async () => {
    const rx = await statusReceiver(410);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      rx.meanwhile(async () => expect((await enableAsPartner(store, endpointId)).statusCode).toBe(200));
      expect(await attempt(store.partnerId, deliveryId)).toMatchObject({ reason: 'gone' });
      expect(rx.failures).toEqual([]);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'gone' });
    } finally { await rx.close(); }
  });

  it('an operator disabled meanwhile stays disabled when that attempt succeeds, its streak as it was; the delivery succeeded', async () => {
    const rx = await statusReceiver(204);
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(rx.url);
      const [{ since }] = await ctx.sql`update webhook_endpoints set failing_since = now() - interval '1 hour' where id = ${endpointId} returning failing_since as since`;
      rx.meanwhile(() => setWebhookEndpointEnabled(ctx.sql, endpointId, false));
      await attempt(store.partnerId, deliveryId);
      expect(rx.failures).toEqual([]);
      expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'operator', failing_since: since });
    } finally { await rx.close(); }
  });
});

/**
 * An endpoint given a new URL while an attempt to the old one is in flight: that answer is the old
 * receiver's. Its 410 disabled the endpoint at the new URL, never called, and told the partner the
 * new URL was gone; its failure started the new URL's streak, its success ended it (QA).
 */
describe('an endpoint given a new URL while an attempt to the old one is in flight', () => {
  const moveTo = (store: TestStore, id: string, url: string) =>
    signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/webhooks/endpoints/${id}`, partnerOnly: true, body: { url } });

  it.each([[410], [500]])('is neither disabled nor starts a streak at the new URL by the old one\'s %s', async (status) => {
    const [old, moved] = [await statusReceiver(status), await statusReceiver(204)];
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(old.url);
      old.meanwhile(async () => expect((await moveTo(store, endpointId, moved.url)).statusCode).toBe(200));
      expect(await attempt(store.partnerId, deliveryId)).toBeUndefined();
      expect(old.failures).toEqual([]);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null, failing_since: null });
      expect(await disabledEvents(store.partnerId)).toHaveLength(0);
      // The delivery is retried, at the new URL.
      expect(await ctx.sql`select status, last_status_code from webhook_deliveries where id = ${deliveryId}`).toEqual([{ status: 'RETRYING', last_status_code: status }]);
      await attempt(store.partnerId, deliveryId);
      expect(moved.hits).toEqual([204]);
    } finally { await old.close(); await moved.close(); }
  });

  it('starts afresh at the new URL: the old one\'s streak, days long, does not disable it at its first failure', async () => {
    const [old, moved] = [await statusReceiver(500), await statusReceiver(500)];
    try {
      const { store, endpointId, deliveryId } = await endpointWithDelivery(old.url);
      await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${endpointId}`;
      expect((await moveTo(store, endpointId, moved.url)).json().data.failingSince).toBeNull();
      expect(await attempt(store.partnerId, deliveryId)).toBeUndefined();
      const [first] = await ctx.sql`select attempted_at from webhook_attempts where delivery_id = ${deliveryId}`;
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, failing_since: first.attempted_at });
    } finally { await old.close(); await moved.close(); }
  });
});
