import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { PARTNER_RATE_LIMIT_PER_MINUTE: '5' } }); });
afterAll(() => ctx.close());

describe('the per-partner request limit (PARTNER_RATE_LIMIT_PER_MINUTE)', () => {
  it('answers a partner past its allowance REQ_010 with Retry-After, all its routes counted together, other partners untouched', async () => {
    const who = await createTestStore(ctx, 1);
    const other = await createTestStore(ctx, 1);
    const read = (w = who) => signedInject(ctx, w, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    const own = () => signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/webhooks/endpoints', partnerOnly: true });

    const allowed = [await read(), await read(), await own(), await read(), await own()];
    expect(allowed.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(allowed.map((r) => r.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(allowed[0].headers['ratelimit-limit']).toBe('5');
    const reset = Number(allowed[0].headers['ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);

    for (const refused of [await read(), await own()]) {
      expect(refused.statusCode).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.json()).toMatchObject({
        success: false,
        error: { code: 'REQ_010', message: 'Too many requests', details: { context: { limit: 5, windowSeconds: 60, retryAfterSeconds: retryAfter } } },
      });
    }
    // Another partner has an allowance of its own.
    const theirs = await read(other);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.headers['ratelimit-remaining']).toBe('4');
  });

  it('counts a partner only once its signature is proved: unsigned or wrongly signed requests naming it spend nothing', async () => {
    const who = await createTestStore(ctx, 1);
    for (let i = 0; i < 8; i++) {
      const forged = await ctx.app.inject({
        method: 'GET', url: '/api/v1/partner/stores/warehouses',
        headers: { 'x-client-id': who.partnerClientId, 'x-timestamp': String(Math.floor(Date.now() / 1000)), 'x-signature': '0'.repeat(64), 'x-store-client-id': who.storeClientId, 'x-store-token': who.storeToken },
      });
      expect(forged.statusCode).toBe(401);
      expect(forged.headers['ratelimit-remaining']).toBeUndefined();
    }
    const res = await signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-remaining']).toBe('4');
  });

  it('counts requests that arrive at once each once: of 12 at once with 5 left, 5 pass, their headers 4 to 0', async () => {
    const who = await createTestStore(ctx, 1);
    const all = await Promise.all(Array.from({ length: 12 }, () => signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })));
    const passed = all.filter((r) => r.statusCode === 200);
    expect(passed).toHaveLength(5);
    expect(all.filter((r) => r.statusCode === 429)).toHaveLength(7);
    expect(passed.map((r) => r.headers['ratelimit-remaining']).sort()).toEqual(['0', '1', '2', '3', '4']);
  });

  it('counts a signed request refused for its store token or a disabled account, and tells it the headers', async () => {
    const who = await createTestStore(ctx, 1);
    const wrongToken = () => signedInject(ctx, { ...who, storeToken: 'stkn_not_this_one' }, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    const refused = [];
    for (let i = 0; i < 5; i++) refused.push(await wrongToken());
    expect(refused.map((r) => [r.statusCode, r.json().error.code, r.headers['ratelimit-remaining']]))
      .toEqual([[403, 'AUTH_014', '4'], [403, 'AUTH_014', '3'], [403, 'AUTH_014', '2'], [403, 'AUTH_014', '1'], [403, 'AUTH_014', '0']]);
    expect((await wrongToken()).json().error.code).toBe('REQ_010');
    expect((await signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })).json().error.code).toBe('REQ_010');
  });

  it('refuses before the request is acted on: a refused bulk request creates no batch', async () => {
    const who = await createTestStore(ctx, 0);
    const body = { products: [{ externalId: 'rl-1', sku: 'RL-1', name: 'Limited', price: 10, stock: 1 }] };
    const sync = () => signedInject(ctx, who, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body });
    for (let i = 0; i < 5; i++) await signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    const refused = await sync();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('REQ_010');
    const [{ n }] = await ctx.sql<{ n: number }[]>`select count(*)::int as n from batches where store_id = ${who.storeId}`;
    expect(n).toBe(0);
  });
});

describe('PARTNER_RATE_LIMIT_PER_MINUTE=0', () => {
  it('turns the limit off: no headers, no refusal', async () => {
    const off = await createTestApp({ env: { PARTNER_RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      const who = await createTestStore(off, 1);
      for (let i = 0; i < 12; i++) {
        const res = await signedInject(off, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
    } finally { await off.close(); }
  });
});
