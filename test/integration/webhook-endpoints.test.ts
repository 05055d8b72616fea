import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/event-types.js';

/** Changing a webhook endpoint, and reading one endpoint's deliveries (no worker: deliveries stay PENDING). */
let ctx: TestContext;
let partner: TestStore;
let other: TestStore;
beforeAll(async () => {
  ctx = await createTestApp();
  partner = await createTestStore(ctx);
  other = await createTestStore(ctx);
});
afterAll(() => ctx.close());

const ENDPOINTS = '/api/v1/partner/webhooks/endpoints';
// Port 9 (discard): nothing is ever delivered there.
const URL_A = 'http://127.0.0.1:9/hooks/a';
const call = (who: TestStore, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
  signedInject(ctx, who, { method, url, partnerOnly: true, body });
async function register(who: TestStore, eventTypes?: string[]) {
  const res = await call(who, 'POST', ENDPOINTS, { url: URL_A, eventTypes });
  expect(res.statusCode).toBe(201);
  return res.json().data as { id: string; url: string; eventTypes: string[]; secret: string };
}

/** Writes events as a domain would, then completes their delivery jobs: no worker of another test file sends them. */
async function emit(who: TestStore, types: string[]) {
  await ctx.sql.begin(async (tx) => {
    await emitEvents(tx, types.map((type) => ({ partnerId: who.partnerId, storeId: who.storeId, type, payload: {} })));
    await tx`select graphile_worker.complete_jobs(array(select j.id from graphile_worker._private_jobs j
      join webhook_deliveries d on j.key = 'webhook-delivery:' || d.id where d.partner_id = ${who.partnerId}))`;
  });
}

describe('PATCH /api/v1/partner/webhooks/endpoints/{endpointId}', () => {
  it('changes the URL, the event types or both; the secret stays; the list shows the change', async () => {
    const created = await register(partner, ['product.created']);
    const url = `${ENDPOINTS}/${created.id}`;
    const moved = await call(partner, 'PATCH', url, { url: 'https://erp.example/hooks' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ success: true, message: 'Webhook endpoint updated', data: { id: created.id, url: 'https://erp.example/hooks', eventTypes: ['product.created'], enabled: true } });
    expect(moved.json().data.secret).toBeUndefined();
    const retyped = await call(partner, 'PATCH', url, { eventTypes: ['product.deleted', 'product.updated'] });
    expect(retyped.json().data).toMatchObject({ url: 'https://erp.example/hooks', eventTypes: ['product.deleted', 'product.updated'] });
    const both = await call(partner, 'PATCH', url, { url: URL_A, eventTypes: [] });
    expect(both.json().data).toMatchObject({ url: URL_A, eventTypes: [] });
    const listed = (await call(partner, 'GET', ENDPOINTS)).json().data.find((e: any) => e.id === created.id);
    expect(listed).toMatchObject({ url: URL_A, eventTypes: [] });
    const [row] = await ctx.sql`select secret_ciphertext from webhook_endpoints where id = ${created.id}`;
    expect(row.secret_ciphertext).toBeTruthy();
  });

  it('events written after the change follow the new types', async () => {
    const who = await createTestStore(ctx);
    const { id } = await register(who, ['product.created']);
    await emit(who, ['product.created', 'product.deleted']);
    await call(who, 'PATCH', `${ENDPOINTS}/${id}`, { eventTypes: ['product.deleted'] });
    await emit(who, ['product.created', 'product.deleted']);
    const types = await ctx.sql`select event_type from webhook_deliveries where partner_id = ${who.partnerId} order by created_at, event_type`;
    expect(types.map((r) => r.event_type)).toEqual(['product.created', 'product.deleted']);
  });

  it("404 WHK_001 in the envelope for an unknown id, another partner's endpoint and a deleted one", async () => {
    const theirs = await register(other);
    const deleted = await register(partner);
    expect((await call(partner, 'DELETE', `${ENDPOINTS}/${deleted.id}`)).statusCode).toBe(200);
    for (const id of ['we_unknown', theirs.id, deleted.id]) {
      for (const res of [await call(partner, 'PATCH', `${ENDPOINTS}/${id}`, { url: 'https://erp.example/x' }), await call(partner, 'GET', `${ENDPOINTS}/${id}`)]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ success: false, error: { code: 'WHK_001', message: 'Webhook endpoint not found', details: { context: { endpointId: id } } } });
      }
    }
    // One of its own, as the list shows it (a GET of one was a 404 REQ_004, though the README named it).
    const mine = await register(partner, ['product.created']);
    const one = await call(partner, 'GET', `${ENDPOINTS}/${mine.id}`);
    expect([one.statusCode, one.json().message]).toEqual([200, 'Webhook endpoint retrieved successfully']);
    expect(one.json().data).toEqual((await call(partner, 'GET', ENDPOINTS)).json().data.find((e: any) => e.id === mine.id));
    expect(one.json().data).not.toHaveProperty('secret');
    const [row] = await ctx.sql`select url from webhook_endpoints where id = ${theirs.id}`;
    expect(row.url).toBe(URL_A);
  });

  it('validates as registration does, and wants at least one field', async () => {
    const { id } = await register(partner);
    const url = `${ENDPOINTS}/${id}`;
    const codeOf = async (body: unknown) => { const res = await call(partner, 'PATCH', url, body); return [res.statusCode, res.json().error.code]; };
    expect(await codeOf({})).toEqual([400, 'VAL_001']);
    expect(await codeOf({ url: URL_A, secret: 'x' })).toEqual([400, 'VAL_001']);
    expect(await codeOf({ url: 'ftp://erp.example/hooks' })).toEqual([400, 'WHK_003']);
    expect(await codeOf({ url: 'https://user:pw@erp.example/hooks' })).toEqual([400, 'WHK_003']);
    // Each says why, as a private address does.
    expect((await call(partner, 'PATCH', url, { url: 'ftp://erp.example/hooks' })).json().error.details.context)
      .toEqual({ url: 'ftp://erp.example/hooks', reason: 'the scheme is ftp: webhooks are POSTed over http or https' });
    expect((await call(partner, 'PATCH', url, { url: 'https://user:pw@erp.example/hooks' })).json().error.details.context.reason)
      .toBe('it carries credentials (user:password@): the signature is how a receiver knows Omni');
    // White space, control characters and backslashes too, registered or changed (the schema's
    // `format: uri` refused them first: VAL_001 without a reason, QA).
    const reasons = {
      'not a url': 'it holds white space or a control character: percent-encode it (%20), or remove it',
      'https://erp.example/a b': 'it holds white space or a control character: percent-encode it (%20), or remove it',
      ' https://erp.example/a': 'it holds white space or a control character: percent-encode it (%20), or remove it',
      'https://erp.example/a\u0001': 'it holds white space or a control character: percent-encode it (%20), or remove it',
      'https://erp.example/a\\b': 'it is not written http(s)://host/…: the host follows the two slashes, and no backslash',
      'nothing': 'not an absolute URL',
    };
    for (const [bad, reason] of Object.entries(reasons)) {
      for (const res of [await call(partner, 'PATCH', url, { url: bad }), await call(partner, 'POST', ENDPOINTS, { url: bad })]) {
        expect([res.statusCode, res.json().error.code, res.json().error.details.context], bad).toEqual([400, 'WHK_003', { url: bad, reason }]);
      }
    }
    expect((await call(partner, 'GET', `${ENDPOINTS}/${id}`)).json().data.url).toBe(URL_A);
    expect(await codeOf({ eventTypes: ['product.created', 'product.created'] })).toEqual([400, 'VAL_001']);
    // enabled is a boolean (false pauses: webhook-endpoint-pause.test.ts).
    expect(await codeOf({ enabled: 'no' })).toEqual([400, 'VAL_001']);
    const empty = await call(partner, 'PATCH', url, {});
    expect(empty.json().error.details.context.validationErrors).toEqual({ body: 'body must contain at least one of: url, eventTypes, enabled' });
  });
});

describe('PATCH of a new url with enabled true (docs/webhooks.md: how a partner resumes an endpoint that moved)', () => {
  it('enables it at the new URL, its failing streak and slow answers forgotten; the same URL on an enabled one keeps them', async () => {
    const health = async (id: string) => (await ctx.sql`select enabled, url, failing_since is not null as failing, slow_since is not null as slow,
      last_slow_at is not null as last_slow from webhook_endpoints where id = ${id}`)[0];
    const streak = (id: string, disabled: boolean) => ctx.sql`update webhook_endpoints set failing_since = now() - interval '1 day', slow_since = now(),
      last_slow_at = now(), enabled = ${!disabled}, disabled_by = ${disabled ? 'system' : null}, disabled_at = ${disabled ? new Date() : null}, disabled_reason = ${disabled ? 'failing' : null}
      where id = ${id}`;
    const moved = 'http://127.0.0.1:9/hooks/moved';
    for (const disabled of [true, false]) {
      const { id } = await register(partner);
      await streak(id, disabled);
      const res = await call(partner, 'PATCH', `${ENDPOINTS}/${id}`, { url: moved, enabled: true });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data).toMatchObject({ url: moved, enabled: true, disabledBy: null, failingSince: null, slowSince: null });
      expect(await health(id)).toEqual({ enabled: true, url: moved, failing: false, slow: false, last_slow: false });
    }
    const { id } = await register(partner);
    await streak(id, false);
    expect((await call(partner, 'PATCH', `${ENDPOINTS}/${id}`, { url: URL_A, enabled: true })).statusCode).toBe(200);
    expect(await health(id)).toEqual({ enabled: true, url: URL_A, failing: true, slow: true, last_slow: true });
    // Paused with a new URL: the new receiver starts without the old one's streak too.
    expect((await call(partner, 'PATCH', `${ENDPOINTS}/${id}`, { url: moved, enabled: false })).statusCode).toBe(200);
    expect(await health(id)).toEqual({ enabled: false, url: moved, failing: false, slow: false, last_slow: false });
  });
});

describe('an unknown event type', () => {
  it('is VAL_001 naming every known event type, on registration and on change', async () => {
    const { id } = await register(partner);
    const known = `each value in eventTypes must be one of the following values: ${WEBHOOK_EVENT_TYPES.join(', ')}`;
    for (const [method, url] of [['POST', ENDPOINTS], ['PATCH', `${ENDPOINTS}/${id}`]] as const) {
      const res = await call(partner, method, url, { url: URL_A, eventTypes: ['product.created', 'order.created'] });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VAL_001', details: { context: { validationErrors: { eventTypes: known } } } });
    }
  });
});

describe('GET /api/v1/partner/webhooks/deliveries?endpointId=', () => {
  it("lists one endpoint's deliveries, paged; a deleted endpoint's too", async () => {
    const who = await createTestStore(ctx);
    const a = await register(who, ['product.created']);
    const b = await register(who, ['product.created', 'product.deleted']);
    await emit(who, ['product.created', 'product.deleted', 'product.created']);
    const list = async (query: string) => (await call(who, 'GET', `/api/v1/partner/webhooks/deliveries?${query}`)).json();
    const all = await list('limit=100');
    expect(all.meta.pagination.total).toBe(5);
    const ofA = await list(`endpointId=${a.id}`);
    expect(ofA.data.map((d: any) => d.endpointId)).toEqual([a.id, a.id]);
    const ofB = await list(`endpointId=${b.id}&limit=2&page=2`);
    expect(ofB.data.map((d: any) => d.endpointId)).toEqual([b.id]);
    expect(ofB.meta.pagination).toEqual({ page: 2, limit: 2, total: 3, totalPages: 2, nextCursor: null });
    const pastTheEnd = await list(`endpointId=${b.id}&limit=2&page=3`);
    expect([pastTheEnd.data, pastTheEnd.meta.pagination]).toEqual([[], { page: 3, limit: 2, total: 3, totalPages: 2, nextCursor: null }]);
    const deletedOnes = await list(`endpointId=${b.id}&eventType=product.deleted`);
    expect(deletedOnes.data).toHaveLength(1);
    await call(who, 'DELETE', `${ENDPOINTS}/${a.id}`);
    expect((await list(`endpointId=${a.id}`)).meta.pagination.total).toBe(2);
  });

  it('filters on the test event type too (webhook.test deliveries are logged as any other)', async () => {
    const who = await createTestStore(ctx);
    const a = await register(who, ['product.created']);
    expect((await call(who, 'POST', `${ENDPOINTS}/${a.id}/test`)).statusCode).toBe(202);
    await emit(who, ['product.created']);
    const res = await call(who, 'GET', '/api/v1/partner/webhooks/deliveries?eventType=webhook.test');
    expect([res.statusCode, res.json().error?.code]).toEqual([200, undefined]);
    expect(res.json().data.map((d: any) => [d.endpointId, d.eventType])).toEqual([[a.id, 'webhook.test']]);
  });

  it("404 WHK_001 for an endpoint the partner never had (another partner's included)", async () => {
    const theirs = await register(other);
    for (const id of ['we_unknown', theirs.id]) {
      const res = await call(partner, 'GET', `/api/v1/partner/webhooks/deliveries?endpointId=${id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'WHK_001', details: { context: { endpointId: id } } });
    }
  });
});

describe('GET /api/v1/partner/webhooks/deliveries/{deliveryId}', () => {
  it('reads one delivery as the list shows it; an unknown one or another partner\'s is WHK_002', async () => {
    const who = await createTestStore(ctx);
    await register(who, ['product.created', 'product.deleted']);
    await emit(who, ['product.created', 'product.deleted']);
    const listed = (await call(who, 'GET', '/api/v1/partner/webhooks/deliveries')).json().data;
    expect(listed).toHaveLength(2);
    for (const delivery of listed) {
      const res = await call(who, 'GET', `/api/v1/partner/webhooks/deliveries/${delivery.id}`);
      expect([res.statusCode, res.json().message]).toEqual([200, 'Webhook delivery retrieved successfully']);
      expect(res.json().data).toEqual(delivery);
    }
    for (const [caller, id] of [[other, listed[0].id], [who, '00000000-0000-4000-8000-000000000000']] as const) {
      const res = await call(caller, 'GET', `/api/v1/partner/webhooks/deliveries/${id}`);
      expect([res.statusCode, res.json().error?.code, res.json().error?.details?.context]).toEqual([404, 'WHK_002', { deliveryId: id }]);
    }
    const notAnId = await call(who, 'GET', '/api/v1/partner/webhooks/deliveries/d1');
    expect([notAnId.statusCode, notAnId.json().error?.code]).toEqual([400, 'VAL_001']);
  });
});

describe('the number of endpoints a partner has', () => {
  it('is at most 16: registrations sent at once pass it by none; a deleted endpoint frees its place', async () => {
    const who = await createTestStore(ctx);
    const sent = await Promise.all(Array.from({ length: 20 }, () => call(who, 'POST', ENDPOINTS, { url: URL_A })));
    expect(sent.filter((r) => r.statusCode === 201)).toHaveLength(16);
    for (const refused of sent.filter((r) => r.statusCode !== 201)) {
      expect([refused.statusCode, refused.json().error?.code, refused.json().error?.message]).toEqual([409, 'WHK_007', 'Too many webhook endpoints']);
    }
    const [{ n }] = await ctx.sql`select count(*)::int as n from webhook_endpoints where partner_id = ${who.partnerId}`;
    expect(n).toBe(16);
    const first = sent.find((r) => r.statusCode === 201)!.json().data.id;
    expect((await call(who, 'DELETE', `${ENDPOINTS}/${first}`)).statusCode).toBe(200);
    expect((await call(who, 'POST', ENDPOINTS, { url: URL_A })).statusCode).toBe(201);
    expect((await call(who, 'POST', ENDPOINTS, { url: URL_A })).json().error?.code).toBe('WHK_007');
  });
});
