import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { connect } from 'node:net';
import { signRequest } from '../../src/sdk/signing.js';
import { originForm } from '../../src/auth/partner-auth.js';
import { revokeStoreTokens, rotateStoreToken, setStoreStatus, issueStoreToken } from '../../src/stores/stores.js';

const WAREHOUSES = '/api/v1/partner/stores/warehouses';
let ctx: TestContext;
let store: TestStore;

beforeAll(async () => {
  // A signed POST route to prove the signature covers the raw body bytes.
  ctx = await createTestApp({ extend: (app) => app.post('/api/v1/partner/stores/test-echo', { config: { auth: 'store' } }, async (req) => ({ body: req.body })) });
  store = await createTestStore(ctx, 2);
});
afterAll(() => ctx.close());

const errorOf = (res: { json(): any }) => res.json().error;

describe('partner HMAC authentication', () => {
  it('accepts a correctly signed store request and returns only that store\'s data', async () => {
    const res = await signedInject(ctx, store, { method: 'GET', url: WAREHOUSES });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((w: any) => w.clientId).sort()).toEqual(store.warehouses.map((w) => w.clientId).sort());
  });

  it('accepts the bare hex signature form', async () => {
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: WAREHOUSES, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken });
    headers['x-signature'] = headers['x-signature'].replace('sha256=', '');
    const res = await ctx.app.inject({ method: 'GET', url: WAREHOUSES, headers });
    expect(res.statusCode).toBe(200);
  });

  it('signs the query string as sent', async () => {
    const url = '/api/v1/partner/stores/products?page=1&limit=5';
    const ok = await signedInject(ctx, store, { method: 'GET', url });
    expect(ok.statusCode).toBe(200);
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: '/api/v1/partner/stores/products?limit=5&page=1', partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken });
    const reordered = await ctx.app.inject({ method: 'GET', url, headers });
    expect(errorOf(reordered).code).toBe('AUTH_010');
  });

  it('signs an absolute-form request target (GET http://host/api/v1/…) by its path, as the spec reads PATH (it was signed whole: AUTH_010; QA)', async () => {
    const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: WAREHOUSES, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken });
    const request = `GET ${address}${WAREHOUSES} HTTP/1.1\r\nHost: ${new URL(address).host}\r\nConnection: close\r\n`
      + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
    const { port } = new URL(address);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
      let text = '';
      socket.on('data', (d) => { text += d; }).on('end', () => resolve(text)).on('error', reject);
    });
    expect(answer.split('\r\n')[0], answer).toBe('HTTP/1.1 200 OK');
    expect(originForm('https://evil.example')).toBe('/');
    expect(originForm('/api/v1/x?y')).toBe('/api/v1/x?y');
  });

  it('AUTH_001 lists the missing headers', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: WAREHOUSES, headers: { 'x-partner-client-id': store.partnerClientId } });
    expect([res.statusCode, res.headers['www-authenticate']]).toEqual([401, 'Omni-HMAC-SHA256 realm="omni-partner"']);
    expect(errorOf(res)).toMatchObject({ code: 'AUTH_001', details: { context: { missingHeaders: ['x-timestamp', 'x-signature', 'x-store-client-id', 'x-store-token'] } } });
  });

  it('AUTH_001 when x-store-client-id comes without x-store-token', async () => {
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: WAREHOUSES, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId });
    const res = await ctx.app.inject({ method: 'GET', url: WAREHOUSES, headers });
    expect(errorOf(res)).toMatchObject({ code: 'AUTH_001', details: { context: { missingHeaders: ['x-store-token'] } } });
  });

  it('AUTH_002 for an unknown partner', async () => {
    const res = await signedInject(ctx, { ...store, partnerClientId: 'ptnr_nobody' }, { method: 'GET', url: WAREHOUSES });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res)).toMatchObject({ code: 'AUTH_002', message: 'Unknown partner', details: { context: { partnerClientId: 'ptnr_nobody' } } });
  });

  it('AUTH_003 with the seed context for a stale timestamp, and for a non-integer one', async () => {
    const stale = Date.now() - 1_148_000;
    const res = await signedInject(ctx, store, { method: 'GET', url: WAREHOUSES, timestamp: stale });
    expect(res.statusCode).toBe(401);
    const err = errorOf(res);
    expect(err).toMatchObject({ code: 'AUTH_003', message: 'Expired or invalid timestamp', details: { hint: 'Request timestamp must be within 300 seconds' } });
    expect(err.details.context.providedTimestamp).toBe(stale);
    expect(err.details.context.ageSeconds).toBeGreaterThanOrEqual(1148);
    // Whole seconds elapsed, as seed 002 counts them (2,781.65 s is 2781).
    expect(err.details.context.ageSeconds).toBe(Math.trunc((err.details.context.currentTime - stale) / 1000));
    expect(Math.abs(err.details.context.currentTime - Date.now())).toBeLessThan(5000);
    const future = await signedInject(ctx, store, { method: 'GET', url: WAREHOUSES, timestamp: Date.now() + 301_000 });
    expect(errorOf(future).code).toBe('AUTH_003');
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: WAREHOUSES, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, timestamp: '1.5e12' });
    expect(errorOf(await ctx.app.inject({ method: 'GET', url: WAREHOUSES, headers })).code).toBe('AUTH_003');
  });

  it('AUTH_010 for a wrong secret and for a body changed after signing', async () => {
    const wrong = await signedInject(ctx, { ...store, partnerSecret: 'not-the-secret' }, { method: 'GET', url: WAREHOUSES });
    expect(wrong.statusCode).toBe(401);
    expect(errorOf(wrong)).toMatchObject({ code: 'AUTH_010', message: 'Invalid signature', details: { hint: 'Invalid HMAC signature', context: { partnerClientId: store.partnerClientId } } });
    const url = '/api/v1/partner/stores/test-echo';
    const headers = signRequest({ secret: store.partnerSecret, method: 'POST', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, body: '{"a": 1}' });
    const exact = await ctx.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"a": 1}' });
    expect(exact.json()).toEqual({ body: { a: 1 } });
    // Same JSON value, different bytes: the signature is over the bytes.
    const reformatted = await ctx.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(errorOf(reformatted).code).toBe('AUTH_010');
    const tampered = await ctx.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"a": 2}' });
    expect(errorOf(tampered).code).toBe('AUTH_010');
  });

  describe('AUTH_014 (store not found, blocked, or token invalid)', () => {
    // The context's reason tells the partner which of the three it is (its own stores only: another
    // partner's reads as none of its own).
    const NO_STORE = 'no store of yours has this x-store-client-id';
    const BAD_TOKEN = 'the x-store-token is not a current token of this store (revoked, expired, replaced by a rotation, or the store was unbound)';
    const expect014 = async (who: TestStore, reason: string) => {
      const res = await signedInject(ctx, who, { method: 'GET', url: WAREHOUSES });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res)).toEqual({ code: 'AUTH_014', message: 'Access forbidden', details: { hint: 'Store not found, access blocked, or invalid token', context: { storeClientId: who.storeClientId, reason }, timestamp: expect.any(String) } });
    };
    it('unknown store', () => expect014({ ...store, storeClientId: 'str_unknown' }, NO_STORE));
    it('wrong token', () => expect014({ ...store, storeToken: 'stkn_wrong' }, BAD_TOKEN));
    it("another store's token", async () => {
      const other = await createTestStore(ctx);
      await expect014({ ...store, storeToken: other.storeToken }, BAD_TOKEN);
    });
    it("another partner's store with its real token", async () => {
      const other = await createTestStore(ctx);
      await expect014({ ...store, storeClientId: other.storeClientId, storeToken: other.storeToken }, NO_STORE);
    });
    it('blocked store, then unblocked', async () => {
      const s = await createTestStore(ctx);
      await setStoreStatus(ctx.sql, s.storeClientId, 'BLOCKED');
      await expect014(s, 'the store is BLOCKED: the marketplace\'s operator blocked it');
      await setStoreStatus(ctx.sql, s.storeClientId, 'ACTIVE');
      expect((await signedInject(ctx, s, { method: 'GET', url: WAREHOUSES })).statusCode).toBe(200);
    });
    it('revoked token', async () => {
      const s = await createTestStore(ctx);
      await revokeStoreTokens(ctx.sql, s.storeClientId);
      await expect014(s, BAD_TOKEN);
    });
    it('rotated token: the old one stops, the new one works', async () => {
      const s = await createTestStore(ctx);
      const { storeToken } = await rotateStoreToken(ctx.sql, s.storeClientId);
      await expect014(s, BAD_TOKEN);
      expect((await signedInject(ctx, { ...s, storeToken }, { method: 'GET', url: WAREHOUSES })).statusCode).toBe(200);
    });
    it('expired token', async () => {
      const s = await createTestStore(ctx);
      const expired = await issueStoreToken(ctx.sql, s.storeId, new Date(Date.now() - 1000));
      await expect014({ ...s, storeToken: expired }, BAD_TOKEN);
    });
  });

  it('partner-only routes reject store headers (AUTH_004) and accept partner headers', async () => {
    const res = await signedInject(ctx, store, { method: 'GET', url: '/api/v1/partner/stores' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('AUTH_004');
    const okRes = await signedInject(ctx, store, { method: 'GET', url: '/api/v1/partner/stores', partnerOnly: true });
    expect(okRes.statusCode).toBe(200);
    expect(okRes.json().data).toEqual([expect.objectContaining({ storeClientId: store.storeClientId, warehouseCount: 2, status: 'ACTIVE', bound: true })]);
  });

  it('stores only a hash of store tokens and a ciphertext of partner secrets', async () => {
    const [t] = await ctx.sql`select encode(token_hash, 'hex') as h from store_tokens where store_id = ${store.storeId}`;
    expect(t.h).toMatch(/^[0-9a-f]{64}$/);
    const [p] = await ctx.sql`select secret_ciphertext from partners where client_id = ${store.partnerClientId}`;
    expect(p.secret_ciphertext).not.toContain(store.partnerSecret);
    const dump = JSON.stringify(await ctx.sql`select * from store_tokens where store_id = ${store.storeId}`);
    expect(dump).not.toContain(store.storeToken);
  });
});
