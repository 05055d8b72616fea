import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { register as registerEndpoint, statusReceiver, until } from '../helpers/webhooks.js';
import { omniJson } from '../helpers/cli.js';
import { startWorker } from '../../src/jobs/worker.js';
import { emitEvents } from '../../src/webhooks/outbox.js';

/**
 * Omni disables an endpoint itself: at once on a 410 Gone, and when its attempts have failed
 * without a success for WEBHOOK_DISABLE_AFTER_FAILING_HOURS (set back in the database here rather
 * than waited for). A real worker delivers to a receiver on 127.0.0.1; its log is kept.
 */
let ctx: TestContext;
let worker: Runner;
const logged: { level: number; msg: string; [key: string]: unknown }[] = [];
beforeAll(async () => {
  ctx = await createTestApp({ env: { WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_DISABLE_AFTER_FAILING_HOURS: '120' } });
  worker = await startWorker(ctx.deps, ctx.deps.config.DATABASE_URL!, pino({ level: 'warn' }, { write: (line: string) => { logged.push(JSON.parse(line)); } }));
});
afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
});

const ENDPOINTS = '/api/v1/partner/webhooks/endpoints';
const call = (who: TestStore, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
  signedInject(ctx, who, { method, url, partnerOnly: true, body });

/** `check` with a receiver answering `status` (statusReceiver), closed after it. */
async function withReceiver(status: number, check: (rx: Awaited<ReturnType<typeof statusReceiver>>) => Promise<void>) {
  const rx = await statusReceiver(status);
  try { await check(rx); } finally { await rx.close(); }
}

/** A new partner's store and an endpoint of it on `url`, subscribed to product.updated. */
async function endpointOn(url: string) {
  const store = await createTestStore(ctx, 0);
  const endpoint = await registerEndpoint(ctx, store, url, ['product.updated']);
  return { store, endpointId: endpoint.id };
}

/** One product.updated event of the store's partner; its delivery's id (none: no enabled endpoint took it). */
async function emit(store: TestStore): Promise<string | undefined> {
  return ctx.sql.begin(async (tx) => {
    const [eventId] = await emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }]);
    if (!eventId) return undefined;
    const [d] = await tx`select id from webhook_deliveries where event_id = ${eventId}`;
    return d?.id as string | undefined;
  });
}

const endpointRow = async (id: string) => (await ctx.sql<any[]>`
  select enabled, disabled_by, disabled_reason, disabled_at, failing_since from webhook_endpoints where id = ${id}`)[0];
const deliveryRow = async (id: string) => (await ctx.sql<any[]>`select status, attempts, last_status_code, last_error from webhook_deliveries where id = ${id}`)[0];
/** The delivery once it is in `status`. */
const deliveryIn = (id: string, status: string) => until(async () => { const d = await deliveryRow(id); return d?.status === status && d; });
const listed = async (who: TestStore) => (await call(who, 'GET', ENDPOINTS)).json().data as any[];
/** Longer than every retry of the test's schedule (100 ms, x4): an attempt still to come would have come. */
const pastTheRetries = () => new Promise((r) => setTimeout(r, 1000));

describe('an endpoint answering 410 Gone', () => {
  it('is disabled at once, by Omni and for that reason: its delivery ends after that one attempt, and it gets no more', async () => {
    await withReceiver(410, async (rx) => {
      const { store, endpointId } = await endpointOn(rx.url);
      const deliveryId = (await emit(store))!;
      expect(await deliveryIn(deliveryId, 'EXHAUSTED')).toMatchObject({ attempts: 1, last_status_code: 410, last_error: 'HTTP 410' });
      const row = await endpointRow(endpointId);
      expect(row).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'gone' });
      expect(row.disabled_at).toBeInstanceOf(Date);
      await pastTheRetries();
      expect(rx.hits).toEqual([410]);
      // No delivery for an event written since, and no redelivery to it while it is disabled.
      expect(await emit(store)).toBeUndefined();
      const again = await call(store, 'POST', `/api/v1/partner/webhooks/deliveries/${deliveryId}/redeliver`);
      expect([again.statusCode, again.json().error.code]).toEqual([409, 'WHK_004']);
      expect(again.json().error.details.context).toEqual({ deliveryId, endpointId, disabledBy: 'system' });

      // The partner's list shows it, with who disabled it and why; so does the operator's.
      expect((await listed(store)).find((e) => e.id === endpointId)).toMatchObject({
        enabled: false, disabledBy: 'system', disabledReason: 'gone', disabledAt: row.disabled_at.toISOString(), failingSince: expect.any(String),
      });
      const { endpoints } = await omniJson('admin', 'webhook', 'list', '--partner', store.partnerClientId, '--all');
      expect(endpoints).toEqual([expect.objectContaining({ id: endpointId, enabled: false, disabledBy: 'system', disabledReason: 'gone' })]);
      // The worker's log says so.
      expect(logged.find((l) => l.endpointId === endpointId)).toMatchObject({
        level: 40, reason: 'gone', partnerId: store.partnerId, msg: `webhook endpoint ${endpointId} disabled: its receiver answered 410 Gone`,
      });
    });
  });
});

describe('the deliveries pending for an endpoint Omni disabled', () => {
  it('end "endpoint disabled" when they come due, sent no more', async () => {
    await withReceiver(410, async (rx) => {
      const { store, endpointId } = await endpointOn(rx.url);
      // Three at once: the worker may send several before the first 410 is recorded.
      const ids = await ctx.sql.begin(async (tx) => {
        const events = await emitEvents(tx, [1, 2, 3].map(() => ({ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} })));
        return (await tx`select id from webhook_deliveries where event_id = any(${events}::uuid[])`).map((d) => d.id as string);
      });
      expect(ids).toHaveLength(3);
      const ended = await Promise.all(ids.map((id) => deliveryIn(id, 'EXHAUSTED')));
      // One attempt disabled it; the others, sent before or not at all, ended on the disabled endpoint.
      expect(ended.map((d) => d.last_error).sort()).toEqual(['HTTP 410', 'endpoint disabled', 'endpoint disabled']);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'gone' });
      const sent = rx.hits.length;
      expect(sent).toBeLessThanOrEqual(3);
      await pastTheRetries();
      expect(rx.hits).toHaveLength(sent);
    });
  });
});

describe('an endpoint failing without a success', () => {
  it('for WEBHOOK_DISABLE_AFTER_FAILING_HOURS is disabled when its next attempt fails', async () => {
    await withReceiver(500, async (rx) => {
      const { store, endpointId } = await endpointOn(rx.url);
      const [{ since }] = await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${endpointId} returning failing_since as since`;
      const deliveryId = (await emit(store))!;
      expect(await deliveryIn(deliveryId, 'EXHAUSTED')).toMatchObject({ attempts: 1, last_status_code: 500 });
      // Failing since the streak's first failure, not this one.
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'system', disabled_reason: 'failing', failing_since: since });
      await pastTheRetries();
      expect(rx.hits).toEqual([500]);
      expect((await listed(store)).find((e) => e.id === endpointId)).toMatchObject({ disabledBy: 'system', disabledReason: 'failing', failingSince: since.toISOString() });
      expect(logged.find((l) => l.endpointId === endpointId)).toMatchObject({
        level: 40, reason: 'failing', failingSince: since.toISOString(),
        msg: `webhook endpoint ${endpointId} disabled: its attempts have failed since ${since.toISOString()} without a success (WEBHOOK_DISABLE_AFTER_FAILING_HOURS 120)`,
      });
    });
  });

  it('for less is not disabled: its first failure starts the streak, later failures keep its start, a success ends it', async () => {
    await withReceiver(500, async (rx) => {
      const { store, endpointId } = await endpointOn(rx.url);
      const first = (await emit(store))!;
      const started = await until(async () => (await endpointRow(endpointId)).failing_since as Date | null);
      const [attempt] = await ctx.sql`select attempted_at from webhook_attempts where delivery_id = ${first} and attempt = 1`;
      expect(started).toEqual(attempt.attempted_at);
      // An hour short of the period: the attempts left fail, and the endpoint stays.
      const [{ since }] = await ctx.sql`update webhook_endpoints set failing_since = now() - interval '119 hours' where id = ${endpointId} returning failing_since as since`;
      expect(await deliveryIn(first, 'EXHAUSTED')).toMatchObject({ attempts: 3 });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, failing_since: since });

      rx.answer(204);
      await ctx.sql`update webhook_endpoints set failing_since = now() - interval '121 hours' where id = ${endpointId}`;
      await deliveryIn((await emit(store))!, 'SUCCEEDED');
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, failing_since: null });
      // The success ended the streak: the next failure starts another, and does not disable.
      rx.answer(500);
      const next = (await emit(store))!;
      await until(async () => (await deliveryRow(next)).attempts >= 1);
      const row = await endpointRow(endpointId);
      expect(row).toMatchObject({ enabled: true, disabled_by: null });
      expect(Date.now() - row.failing_since.getTime()).toBeLessThan(60_000);
      expect((await listed(store)).find((e) => e.id === endpointId)).toMatchObject({ enabled: true, disabledBy: null, failingSince: row.failing_since.toISOString() });
    });
  });
});

describe('an endpoint Omni disabled', () => {
  /** An endpoint on `rx` that a 410 disabled, and its delivery. */
  async function goneEndpoint(rx: Awaited<ReturnType<typeof statusReceiver>>) {
    rx.answer(410);
    const { store, endpointId } = await endpointOn(rx.url);
    const deliveryId = (await emit(store))!;
    await deliveryIn(deliveryId, 'EXHAUSTED');
    expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    return { store, endpointId, deliveryId };
  }

  it('its partner enables again (PATCH enabled: true), its streak forgotten; it gets the events written from then on', async () => {
    await withReceiver(410, async (rx) => {
      const { store, endpointId, deliveryId } = await goneEndpoint(rx);
      // Changed without `enabled`, it stays disabled.
      const moved = await call(store, 'PATCH', `${ENDPOINTS}/${endpointId}`, { url: `${rx.url}/v2` });
      expect(moved.json().data).toMatchObject({ url: `${rx.url}/v2`, enabled: false, disabledBy: 'system' });
      rx.answer(204);
      const res = await call(store, 'PATCH', `${ENDPOINTS}/${endpointId}`, { enabled: true });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ id: endpointId, enabled: true, disabledBy: null, disabledReason: null, disabledAt: null, failingSince: null });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null, disabled_at: null, failing_since: null });
      await deliveryIn((await emit(store))!, 'SUCCEEDED');
      // The delivery the 410 ended is sent again on request.
      expect((await call(store, 'POST', `/api/v1/partner/webhooks/deliveries/${deliveryId}/redeliver`)).statusCode).toBe(202);
      await deliveryIn(deliveryId, 'SUCCEEDED');
    });
  });

  it('an operator enables again (`omni admin webhook enable`), its streak forgotten', async () => {
    await withReceiver(410, async (rx) => {
      const { store, endpointId } = await goneEndpoint(rx);
      const enabled = await omniJson('admin', 'webhook', 'enable', endpointId);
      expect(enabled).toMatchObject({ id: endpointId, enabled: true, disabledBy: null, disabledReason: null, failingSince: null });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: true, disabled_by: null, disabled_reason: null, disabled_at: null, failing_since: null });
      rx.answer(204);
      await deliveryIn((await emit(store))!, 'SUCCEEDED');
    });
  });

  it('an operator disables too (`omni admin webhook disable`): it is then the operator\'s, its partner may not enable it (WHK_006)', async () => {
    await withReceiver(410, async (rx) => {
      const { store, endpointId } = await goneEndpoint(rx);
      expect(await omniJson('admin', 'webhook', 'disable', endpointId)).toMatchObject({ id: endpointId, enabled: false, disabledBy: 'operator', disabledReason: null });
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'operator', disabled_reason: null });
      const refused = await call(store, 'PATCH', `${ENDPOINTS}/${endpointId}`, { enabled: true });
      expect([refused.statusCode, refused.json().error?.code]).toEqual([409, 'WHK_006']);
      expect(await endpointRow(endpointId)).toMatchObject({ enabled: false, disabled_by: 'operator' });
      expect(await omniJson('admin', 'webhook', 'enable', endpointId)).toMatchObject({ enabled: true, disabledBy: null, disabledReason: null });
    });
  });

  it('its partner can delete; one an operator disabled, the partner sees and may not enable (WHK_006)', async () => {
    await withReceiver(410, async (rx) => {
      const { store, endpointId } = await goneEndpoint(rx);
      const byOperator = await registerEndpoint(ctx, store, rx.url, ['product.created']);
      await omniJson('admin', 'webhook', 'disable', byOperator.id);
      expect((await listed(store)).map((e) => [e.id, e.disabledBy])).toEqual([[endpointId, 'system'], [byOperator.id, 'operator']]);
      const refused = await call(store, 'PATCH', `${ENDPOINTS}/${byOperator.id}`, { enabled: true });
      expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'WHK_006']);
      expect(await endpointRow(byOperator.id)).toMatchObject({ enabled: false, disabled_by: 'operator' });

      const deleted = await call(store, 'DELETE', `${ENDPOINTS}/${endpointId}`);
      expect(deleted.json().data).toMatchObject({ enabled: false, disabledBy: 'partner', disabledReason: null });
      expect((await listed(store)).map((e) => e.id)).toEqual([byOperator.id]);
      const gone = await call(store, 'PATCH', `${ENDPOINTS}/${endpointId}`, { enabled: true });
      expect([gone.statusCode, gone.json().error.code]).toEqual([404, 'WHK_001']);
    });
  });
});
