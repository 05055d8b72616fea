import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { register, statusReceiver, until, webhookTestBed } from '../helpers/webhooks.js';
import { omni, omniJson } from '../helpers/cli.js';
import { emitEvents } from '../../src/webhooks/outbox.js';

/**
 * A partner pauses one of its endpoints (PATCH enabled: false, migration 0131) and resumes it
 * (enabled: true), as Stripe's `disabled`: while paused it gets no deliveries, and a retry of an
 * earlier one ends when it comes due. Before, an endpoint could only be deleted. A real worker
 * delivers to a receiver on 127.0.0.1.
 */
let bed: Awaited<ReturnType<typeof webhookTestBed>>;
let ctx: TestContext;
beforeAll(async () => { bed = await webhookTestBed(); ctx = bed.ctx; });
afterAll(async () => { await bed.close(); });

const ENDPOINTS = '/api/v1/partner/webhooks/endpoints';
const call = (who: TestStore, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
  signedInject(ctx, who, { method, url, partnerOnly: true, body });
/** One product.updated event of the store's partner; its delivery's id (none: no enabled endpoint took it). */
const emit = (store: TestStore) => ctx.sql.begin(async (tx) => {
  const [eventId] = await emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: {} }]);
  const [d] = eventId ? await tx`select id from webhook_deliveries where event_id = ${eventId}` : [];
  return d?.id as string | undefined;
});
const deliveryIn = (id: string, status: string) => until(async () => {
  const [d] = await ctx.sql`select status, last_error from webhook_deliveries where id = ${id}`;
  return d?.status === status && d;
});
const endpointRow = async (id: string) => (await ctx.sql<any[]>`select enabled, disabled_by, disabled_reason, disabled_at from webhook_endpoints where id = ${id}`)[0];

describe('a partner pausing an endpoint', () => {
  it('gets no deliveries while paused, its retries end, and resumed it gets the events written from then on', async () => {
    const rx = await statusReceiver(500);
    try {
      const store = await createTestStore(ctx, 0);
      const { id } = await register(ctx, store, rx.url, ['product.updated']);
      // A delivery failing (500), to be retried: paused while its first attempt is in flight.
      let paused: Awaited<ReturnType<typeof call>> | undefined;
      rx.meanwhile(async () => { paused = await call(store, 'PATCH', `${ENDPOINTS}/${id}`, { enabled: false }); });
      const retried = (await emit(store))!;
      await until(async () => rx.hits.length > 0);
      if (!paused) throw new Error('not paused');
      expect(paused.statusCode).toBe(200);
      expect(paused.json().data).toMatchObject({ id, enabled: false, disabledBy: 'paused', disabledReason: null, disabledAt: expect.any(String) });
      // Pausing again changes nothing (the time it was paused stays).
      expect((await call(store, 'PATCH', `${ENDPOINTS}/${id}`, { enabled: false })).json().data.disabledAt).toBe(paused.json().data.disabledAt);
      expect((await call(store, 'GET', ENDPOINTS)).json().data.map((e: any) => [e.id, e.disabledBy])).toEqual([[id, 'paused']]);
      expect(await deliveryIn(retried, 'EXHAUSTED')).toMatchObject({ last_error: 'endpoint disabled' });
      expect(rx.hits).toEqual([500]);
      expect(await emit(store)).toBeUndefined();
      const test = await call(store, 'POST', `${ENDPOINTS}/${id}/test`);
      expect([test.statusCode, test.json().error.code]).toEqual([409, 'WHK_004']);

      rx.answer(204);
      const resumed = await call(store, 'PATCH', `${ENDPOINTS}/${id}`, { enabled: true });
      expect(resumed.json().data).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null });
      await deliveryIn((await emit(store))!, 'SUCCEEDED');
      expect((await call(store, 'POST', `/api/v1/partner/webhooks/deliveries/${retried}/redeliver`)).statusCode).toBe(202);
      await deliveryIn(retried, 'SUCCEEDED');
    } finally {
      await rx.close();
    }
  });

  it('pauses one Omni disabled too, and an operator neither resumes a paused one nor lets its partner resume it once disabled', async () => {
    const store = await createTestStore(ctx, 0);
    const { id: gone } = await register(ctx, store, 'https://erp.example/gone', ['product.updated']);
    await ctx.sql`update webhook_endpoints set enabled = false, disabled_by = 'system', disabled_reason = 'gone', disabled_at = now() where id = ${gone}`;
    // The partner said to stop: an operator's enable, meant for one Omni disabled, leaves it off (review).
    expect((await call(store, 'PATCH', `${ENDPOINTS}/${gone}`, { enabled: false })).json().data).toMatchObject({ enabled: false, disabledBy: 'paused', disabledReason: null });
    expect((await omni('admin', 'webhook', 'enable', gone)).code).toBe(1);
    expect(await endpointRow(gone)).toMatchObject({ enabled: false, disabled_by: 'paused' });

    const { id } = await register(ctx, store, 'https://erp.example/paused', ['product.updated']);
    expect((await call(store, 'PATCH', `${ENDPOINTS}/${id}`, { enabled: false })).statusCode).toBe(200);
    const refused = await omni('admin', 'webhook', 'enable', id);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('was paused by its partner')]);
    expect(await endpointRow(id)).toMatchObject({ enabled: false, disabled_by: 'paused' });
    expect(await omniJson('admin', 'webhook', 'disable', id)).toMatchObject({ id, enabled: false, disabledBy: 'operator' });
    const notYours = await call(store, 'PATCH', `${ENDPOINTS}/${id}`, { enabled: true });
    expect([notYours.statusCode, notYours.json().error.code]).toEqual([409, 'WHK_006']);
  });
});
