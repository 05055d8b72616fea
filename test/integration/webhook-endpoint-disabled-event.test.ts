import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { receiver, register, statusReceiver, until, webhookTestBed } from '../helpers/webhooks.js';
import { omniJson } from '../helpers/cli.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { recordEndpointOutcome } from '../../src/webhooks/endpoint-health.js';

/**
 * When Omni disables an endpoint (410 Gone, or failing too long), it tells the partner with a
 * partner-level webhook.endpoint.disabled event, written in the disabling's transaction and
 * delivered to the partner's other endpoints that subscribe to it. Real receivers on 127.0.0.1,
 * a real worker: A is the endpoint that goes, B (and C) the ones told.
 */
const TYPE = 'webhook.endpoint.disabled';
let bed: Awaited<ReturnType<typeof webhookTestBed>>;
let ctx: TestContext;
beforeAll(async () => {
  bed = await webhookTestBed();
  ctx = bed.ctx;
});
afterAll(async () => { await bed?.close(); });

type Told = Awaited<ReturnType<typeof receiver>>;
type Going = Awaited<ReturnType<typeof statusReceiver>>;

/** `check` with A's receiver answering `status` and B's, verifying signatures and answering 204; both closed after it. */
async function withReceivers(status: number, check: (a: Going, b: Told) => Promise<void>) {
  const [a, b] = [await statusReceiver(status), await receiver(0)];
  try { await check(a, b); } finally { await Promise.all([a.close(), b.close()]); }
}

/** A new partner's store with endpoint A on `url` (product.updated) and B on `told` (`eventTypes`), B's receiver given its secret. */
async function partnerWith(url: string, told: Told, eventTypes?: string[]) {
  const store = await createTestStore(ctx, 0);
  const a = await register(ctx, store, url, ['product.updated']);
  const b = await register(ctx, store, told.url, eventTypes);
  told.setSecret(b.secret);
  return { store, a: a.id, b: b.id };
}

/** One product.updated event of the store's partner, for A to fail. */
const emitProductUpdated = (store: TestStore) => ctx.sql.begin((tx) =>
  emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }]));

const endpointRow = async (id: string) => (await ctx.sql<any[]>`select enabled, disabled_by, disabled_reason, disabled_at, failing_since, url from webhook_endpoints where id = ${id}`)[0];
/** The partner's webhook.endpoint.disabled events in the outbox. */
const eventsOf = (partnerId: string) => ctx.sql<any[]>`select id, store_id, payload from outbox_events where partner_id = ${partnerId} and type = ${TYPE} order by created_at`;
/** What a receiver was sent of the type. */
const toldOf = (rx: Told) => rx.received.filter((r) => r.payload?.type === TYPE);
/** The receiver's deliveries of the type, once there are `n`. */
const told = (rx: Told, n = 1) => until(async () => toldOf(rx).length >= n && toldOf(rx));
/** Longer than every retry of the bed's schedule (100 ms, x4, 3 attempts): anything still to come would have come. */
const pastTheRetries = () => new Promise((r) => setTimeout(r, 1000));

describe('an endpoint Omni disabled on a 410 Gone', () => {
  it('is announced to the partner\'s endpoint subscribed to webhook.endpoint.disabled: one signed event naming it and the reason', async () => {
    await withReceivers(410, async (a, b) => {
      const { store, a: goneId, b: toldId } = await partnerWith(a.url, b, [TYPE]);
      await emitProductUpdated(store);
      const [event] = await told(b);
      const row = await endpointRow(goneId);
      expect(row).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'gone' });
      expect(event.verified).toBe(true);
      expect(event.payload).toEqual({
        type: TYPE, timestamp: expect.any(String), storeClientId: null,
        data: {
          endpointId: goneId, url: a.url, reason: 'gone', failingSince: row.failing_since.toISOString(), disabledAt: row.disabled_at.toISOString(),
          lastStatusCode: 410, lastError: 'HTTP 410',
        },
      });
      // A partner-level event (no store), written once, its webhook-id the outbox event's id.
      const events = await eventsOf(store.partnerId);
      expect(events).toEqual([expect.objectContaining({ store_id: null })]);
      expect(event.headers['webhook-id']).toBe(events[0].id);
      await pastTheRetries();
      expect(toldOf(b)).toHaveLength(1);
      expect(a.hits).toEqual([410]);
      // The partner's delivery log shows it, to B only: the disabled endpoint gets nothing.
      const log = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/webhooks/deliveries?eventType=${TYPE}`, partnerOnly: true });
      expect(log.statusCode).toBe(200);
      expect(log.json().data.map((d: any) => [d.endpointId, d.status])).toEqual([[toldId, 'SUCCEEDED']]);
    });
  });
});

describe('an endpoint Omni disabled for failing too long', () => {
  it('is announced to an endpoint subscribed to every type, with the streak\'s start and the attempt\'s error', async () => {
    // A's receiver is closed before any attempt: its attempts get no answer (connection refused).
    await withReceivers(204, async (a, b) => {
      await a.close();
      const { store, a: failingId } = await partnerWith(a.url, b);
      const [{ since }] = await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${failingId} returning failing_since as since`;
      await emitProductUpdated(store);
      const [event] = await told(b);
      const row = await endpointRow(failingId);
      expect(row).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'failing', failing_since: since });
      expect(event.verified).toBe(true);
      expect(event.payload.data).toEqual({
        endpointId: failingId, url: a.url, reason: 'failing', failingSince: since.toISOString(), disabledAt: row.disabled_at.toISOString(),
        lastStatusCode: null, lastError: expect.stringContaining('ECONNREFUSED'),
      });
      await pastTheRetries();
      expect(toldOf(b)).toHaveLength(1);
    });
  });
});

describe('an endpoint disabled otherwise', () => {
  it('by its partner (DELETE) or an operator is not announced; only Omni\'s disabling is', async () => {
    await withReceivers(410, async (a, b) => {
      const { store, a: goneId } = await partnerWith(a.url, b, [TYPE]);
      const deleted = await register(ctx, store, a.url, ['product.created']);
      const byOperator = await register(ctx, store, a.url, ['product.created']);
      const res = await signedInject(ctx, store, { method: 'DELETE', url: `/api/v1/partner/webhooks/endpoints/${deleted.id}`, partnerOnly: true });
      expect(res.statusCode).toBe(200);
      await omniJson('admin', 'webhook', 'disable', byOperator.id);
      expect(await eventsOf(store.partnerId)).toEqual([]);
      // Then Omni disables A: B hears of A alone.
      await emitProductUpdated(store);
      await told(b);
      await pastTheRetries();
      expect(toldOf(b).map((r) => r.payload.data.endpointId)).toEqual([goneId]);
      expect((await eventsOf(store.partnerId)).map((e) => e.payload.endpointId)).toEqual([goneId]);
    });
  });
});

describe('an endpoint not subscribed to webhook.endpoint.disabled', () => {
  it('is not told; another endpoint that is, is', async () => {
    await withReceivers(410, async (a, b) => {
      const { store, a: goneId, b: otherId } = await partnerWith(a.url, b, ['product.created']);
      const c = await receiver(0);
      try {
        const subscribed = await register(ctx, store, c.url, [TYPE]);
        c.setSecret(subscribed.secret);
        await emitProductUpdated(store);
        const [event] = await told(c);
        expect(event.payload.data).toMatchObject({ endpointId: goneId, reason: 'gone' });
        await pastTheRetries();
        expect(b.received).toEqual([]);
        expect(await ctx.sql`select 1 from webhook_deliveries where endpoint_id = ${otherId}`).toHaveLength(0);
      } finally { await c.close(); }
    });
  });
});

describe('a disabling whose transaction fails', () => {
  it('leaves no event: it is written in that transaction, and goes with it', async () => {
    await withReceivers(410, async (a, b) => {
      const { store, a: goneId, b: toldId } = await partnerWith(a.url, b, [TYPE]);
      const outcome = { ok: false, statusCode: 410, error: 'HTTP 410', at: new Date() };
      const [{ enabledAt, url }] = await ctx.sql`select enabled_at::text as "enabledAt", url from webhook_endpoints where id = ${goneId}`;
      const rolledBack = new Error('rolled back');
      await expect(ctx.sql.begin(async (tx) => {
        expect(await recordEndpointOutcome(tx, { partnerId: store.partnerId, id: goneId, enabledAt, url }, outcome, 120)).toMatchObject({ reason: 'gone' });
        // Within the transaction: the event and its delivery to B.
        const [event] = await tx<any[]>`select id, payload from outbox_events where partner_id = ${store.partnerId} and type = ${TYPE}`;
        expect(event?.payload).toMatchObject({ endpointId: goneId, reason: 'gone' });
        expect(await tx`select 1 from webhook_deliveries where event_id = ${event.id} and endpoint_id = ${toldId}`).toHaveLength(1);
        throw rolledBack;
      })).rejects.toBe(rolledBack);
      expect(await endpointRow(goneId)).toMatchObject({ enabled: true, disabled_by: null });
      expect(await eventsOf(store.partnerId)).toEqual([]);
      await pastTheRetries();
      expect(b.received).toEqual([]);
    });
  });
});
