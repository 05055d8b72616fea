import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { openOnboarding, sellerBrowser } from '../helpers/onboarding.js';
import { decryptJsonField } from '../../src/sdk/index.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const storeAccess = (who: TestStore, sid: string) =>
  signedInject(ctx, who, { method: 'GET', url: `/api/v1/partner/onboard/store-access?sid=${sid}`, partnerOnly: true });

async function authorized(store: TestStore, periodDays = '30') {
  const session = await openOnboarding(ctx, store);
  const browser = sellerBrowser(ctx, session.sid);
  expect((await browser.open()).statusCode).toBe(200);
  const consent = await browser.signIn(session.email, session.password);
  expect(consent.body).toContain('Authorize access');
  const done = await browser.decide({ action: 'authorize', consent: 'yes', periodDays });
  expect(done.statusCode).toBe(303);
  expect(done.headers.location).toBe(`https://partner.example/callback?sid=${session.sid}`);
  return session;
}

describe('onboarding', () => {
  it('gives the store access once, encrypted for the partner, with a token valid for the chosen period', async () => {
    const store = await createTestStore(ctx, 2);
    const session = await authorized(store);
    expect(Date.parse(session.expiresAt) - Date.now()).toBeLessThanOrEqual(180_000);
    // A HEAD claimed it too (Fastify's automatic HEAD of a GET), and no one received the credential (QA).
    const head = await signedInject(ctx, store, { method: 'HEAD', url: `/api/v1/partner/onboard/store-access?sid=${session.sid}`, partnerOnly: true });
    expect(head.statusCode).toBe(404); // REQ_004: the route takes GET only
    const res = await storeAccess(store, session.sid);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.storeAccess).toMatch(/^ENCRYPTED:/);
    // A credential: no cache may keep it, as no API answer (time QA).
    expect(res.headers['cache-control']).toBe('no-store');
    const access = decryptJsonField<any>(res.json().data.storeAccess, store.partnerEncryptionKey);
    expect(access.storeClientId).toBe(store.storeClientId);
    expect(access.warehouses.map((w: any) => w.clientId).sort()).toEqual(store.warehouses.map((w) => w.clientId).sort());
    const days = (Date.parse(access.expiresAt) - Date.now()) / 86400000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    const [token] = await ctx.sql`select expires_at from store_tokens where token_hint = ${`${access.storeToken.slice(0, 9)}…`}`;
    expect(token.expires_at.toISOString()).toBe(access.expiresAt);

    const withNew = await signedInject(ctx, { ...store, storeToken: access.storeToken }, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    expect(withNew.statusCode).toBe(200);
    const again = await storeAccess(store, session.sid);
    expect(again.json().error.code).toBe('ONB_004');

    // Unbind: the token stops working at once.
    const unbind = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${store.storeClientId}/unbind`, partnerOnly: true });
    expect(unbind.json().data).toMatchObject({ storeClientId: store.storeClientId, revokedAuthorizations: 1 });
    const after = await signedInject(ctx, { ...store, storeToken: access.storeToken }, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    expect(after.json().error.code).toBe('AUTH_014');
    // The partner's list says so, and a second unbind finds nothing bound.
    const listed = await signedInject(ctx, store, { method: 'GET', url: '/api/v1/partner/stores', partnerOnly: true });
    expect(listed.json().data.find((s: any) => s.storeClientId === store.storeClientId)).toMatchObject({ status: 'ACTIVE', bound: false });
    const again2 = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${store.storeClientId}/unbind`, partnerOnly: true });
    expect(again2.statusCode).toBe(404);
    expect(again2.json().error).toMatchObject({ code: 'ONB_006', details: { context: { storeClientId: store.storeClientId } } });
  });

  it('replaces the store\'s token and authorization when the seller onboards again: the first token ends, its later end with it', async () => {
    const store = await createTestStore(ctx, 0);
    const first = await authorized(store, '365');
    const claimed = decryptJsonField<any>((await storeAccess(store, first.sid)).json().data.storeAccess, store.partnerEncryptionKey);
    // Onboarding again, for a shorter period.
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/onboard/sessions', partnerOnly: true, body: { redirectUri: 'https://partner.example/callback' } });
    const browser = sellerBrowser(ctx, res.json().data.sid);
    await browser.open();
    await browser.signIn(first.email, first.password);
    expect((await browser.decide({ action: 'authorize', consent: 'yes', periodDays: '30' })).statusCode).toBe(303);
    const second = decryptJsonField<any>((await storeAccess(store, res.json().data.sid)).json().data.storeAccess, store.partnerEncryptionKey);
    expect((Date.parse(second.expiresAt) - Date.now()) / 86400000).toBeLessThan(30.1);
    const read = (storeToken: string) => signedInject(ctx, { ...store, storeToken }, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })
      .then((r) => r.statusCode === 200 ? 200 : r.json().error.code);
    // The year's token (and the one the store was created with) no longer work; the 30 days' does.
    expect([await read(claimed.storeToken), await read(store.storeToken), await read(second.storeToken)]).toEqual(['AUTH_014', 'AUTH_014', 200]);
    const [live] = await ctx.sql`select count(*)::int as tokens, (select count(*)::int from store_authorizations where store_id = ${store.storeId} and revoked_at is null) as authorizations
      from store_tokens where store_id = ${store.storeId} and revoked_at is null`;
    expect(live).toEqual({ tokens: 1, authorizations: 1 });
    const unbind = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${store.storeClientId}/unbind`, partnerOnly: true });
    expect(unbind.json().data).toMatchObject({ revokedTokens: 1, revokedAuthorizations: 1 });
  });

  it("lets the seller's latest authorization count: an earlier one not claimed yet is superseded (ONB_008), whatever order the partner claims in", async () => {
    const store = await createTestStore(ctx, 0);
    const first = await authorized(store, '365');
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/onboard/sessions', partnerOnly: true, body: { redirectUri: 'https://partner.example/callback' } });
    const second = res.json().data.sid;
    const browser = sellerBrowser(ctx, second);
    await browser.open();
    await browser.signIn(first.email, first.password);
    expect((await browser.decide({ action: 'authorize', consent: 'yes', periodDays: '30' })).statusCode).toBe(303);
    // The year's consent, authorized first, claimed last: it was taken, and replaced the 30 days' token.
    const older = await storeAccess(store, first.sid);
    expect([older.statusCode, older.json().error?.code, older.json().error?.details.context]).toEqual([409, 'ONB_008', { sid: first.sid }]);
    const newer = decryptJsonField<any>((await storeAccess(store, second)).json().data.storeAccess, store.partnerEncryptionKey);
    expect((Date.parse(newer.expiresAt) - Date.now()) / 86400000).toBeLessThan(30.1);
    const page = await ctx.app.inject({ method: 'GET', url: `/onboard/${first.sid}` });
    expect([page.statusCode, page.body.includes('Authorization replaced')]).toEqual([409, true]);
  });

  it('ends a session authorized but not claimed when the partner unbinds the store: the seller must onboard again', async () => {
    const store = await createTestStore(ctx, 0);
    const session = await authorized(store);
    const unbind = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${store.storeClientId}/unbind`, partnerOnly: true });
    expect(unbind.statusCode).toBe(200);
    const claim = await storeAccess(store, session.sid);
    expect(claim.statusCode).toBe(409);
    expect(claim.json().error.code).toBe('ONB_007');
    const [{ n }] = await ctx.sql`select count(*)::int as n from store_tokens where store_id = ${store.storeId} and revoked_at is null`;
    expect(n).toBe(0);
    expect((await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}` })).body).toContain('Access revoked');
  });

  it("refuses an unbind of a store whose seller's period has ended (ONB_006): nothing is left to end (it answered 200 with counts; QA)", async () => {
    const store = await createTestStore(ctx, 0);
    const session = await authorized(store);
    expect((await storeAccess(store, session.sid)).statusCode).toBe(200);
    await ctx.sql`update store_tokens set expires_at = now() - interval '1 minute' where store_id = ${store.storeId} and revoked_at is null`;
    await ctx.sql`update store_authorizations set expires_at = now() - interval '1 minute' where store_id = ${store.storeId} and revoked_at is null`;
    const unbind = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/stores/${store.storeClientId}/unbind`, partnerOnly: true });
    expect([unbind.statusCode, unbind.json().error?.code]).toEqual([404, 'ONB_006']);
  });

  it("redirects to the partner's redirectUri with sid added, its own query kept as it sent it", async () => {
    // partner-api.md: "redirected to redirectUri with ?sid=…"; the redirectUri of partner-auth.md's vector 2.
    for (const redirectUri of ['https://bigseller.com/login/email-login?redirect=/shopset/toco', 'https://partner.example/cb?debug&a=1;b=2#done']) {
      const store = await createTestStore(ctx, 0);
      const session = await openOnboarding(ctx, store, redirectUri);
      const browser = sellerBrowser(ctx, session.sid);
      await browser.open();
      await browser.signIn(session.email, session.password);
      const done = await browser.decide({ action: 'authorize', consent: 'yes', periodDays: '30' });
      expect(done.statusCode).toBe(303);
      const [beforeHash, hash] = redirectUri.split('#');
      expect(done.headers.location).toBe(`${beforeHash}&sid=${session.sid}${hash ? `#${hash}` : ''}`);
    }
  });

  it('refuses a redirectUri a browser cannot be sent to, and opens no session (it was accepted, and the authorized seller got a 500)', async () => {
    const store = await createTestStore(ctx, 0);
    const [{ count: before }] = await ctx.sql`select count(*)::int from onboard_sessions`;
    for (const redirectUri of ['https://', 'https://partner.example:65536/cb', 'https://256.1.1.1/cb', 'http://1.2.3.4.5/cb']) {
      const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/onboard/sessions', partnerOnly: true, body: { redirectUri } });
      expect([redirectUri, res.statusCode, res.json().error?.code, res.json().error?.details.context]).toEqual([redirectUri, 400, 'VAL_001', { validationErrors: { redirectUri: 'redirectUri must be a URL address' } }]);
    }
    // A sid of its own: the redirect would carry two, and a partner reading the first read its own.
    for (const redirectUri of ['https://partner.example/cb?sid=mine', 'https://partner.example/cb?a=1&sid', 'https://partner.example/cb?sid=&b=2#frag']) {
      const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/onboard/sessions', partnerOnly: true, body: { redirectUri } });
      expect([redirectUri, res.statusCode, res.json().error?.code, res.json().error?.details.context]).toEqual([redirectUri, 400, 'VAL_001',
        { validationErrors: { redirectUri: 'redirectUri must not have a sid query parameter: Omni adds the session\'s own' } }]);
    }
    expect((await ctx.sql`select count(*)::int from onboard_sessions`)[0].count).toBe(before);
  });

  it("refuses another partner's sid, an unauthorized sid and an expired one", async () => {
    const store = await createTestStore(ctx, 0);
    const other = await createTestStore(ctx, 0);
    const session = await authorized(store);
    expect((await storeAccess(other, session.sid)).json().error.code).toBe('ONB_001');
    const pending = await openOnboarding(ctx, other);
    expect((await storeAccess(other, pending.sid)).json().error.code).toBe('ONB_003');
    await ctx.sql`update onboard_sessions set expires_at = now() - interval '1 second' where id = ${session.sid}`;
    const expired = await storeAccess(store, session.sid);
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.code).toBe('ONB_002');
    const page = await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}` });
    expect(page.statusCode).toBe(409);
  });

  it('shows clear pages and grants nothing for a wrong password, a cancelled consent, a forged form, an expired link', async () => {
    const store = await createTestStore(ctx, 0);
    const session = await openOnboarding(ctx, store);
    const browser = sellerBrowser(ctx, session.sid);
    await browser.open();
    const wrong = await browser.signIn(session.email, 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong email or password');
    await browser.signIn(session.email, session.password);
    const noConsent = await browser.decide({ action: 'authorize', periodDays: '30' });
    expect(noConsent.statusCode).toBe(400);
    const cancelled = await browser.decide({ action: 'cancel' });
    expect(cancelled.body).toContain('Access not granted');
    expect((await storeAccess(store, session.sid)).json().error.code).toBe('ONB_005');

    const second = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const forger = sellerBrowser(ctx, second.sid);
    await forger.open();
    forger.forgetCsrf();
    const forged = await forger.signIn(second.email, second.password);
    expect(forged.statusCode).toBe(403);
    const [row] = await ctx.sql`select status from onboard_sessions where id = ${second.sid}`;
    expect(row.status).toBe('OPEN');

    await ctx.sql`update onboard_sessions set expires_at = now() - interval '1 second' where id = ${second.sid}`;
    const expiredPage = await ctx.app.inject({ method: 'GET', url: `/onboard/${second.sid}` });
    expect(expiredPage.statusCode).toBe(410);
    expect(expiredPage.body).toContain('expired');
  });

  it('answers a form of another shape with its page, never a 500 (a JSON csrf or email that is no string, a NUL in the email)', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const page = await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}` });
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1];
    const post = (payload: string, type = 'application/json') =>
      ctx.app.inject({ method: 'POST', url: `/onboard/${session.sid}/sign-in`, headers: { cookie, 'content-type': type }, payload });
    const answers = [
      await post(JSON.stringify({ csrf: 5 })), await post(JSON.stringify({ csrf, email: 5, password: 'x' })),
      await post(JSON.stringify({ csrf, email: session.email, password: 5 })),
      await post(`csrf=${csrf}&email=a%00b&password=x`, 'application/x-www-form-urlencoded'),
    ];
    expect(answers.map((a) => [a.statusCode, a.headers['content-type']])).toEqual([
      [403, 'text/html; charset=utf-8'], [401, 'text/html; charset=utf-8'], [401, 'text/html; charset=utf-8'], [401, 'text/html; charset=utf-8'],
    ]);
    expect(answers[1].body).toContain('Wrong email or password');
  });

  it('takes a cookie whose value does not decode (%zz) for no cookie: the page and a new one, not a 500', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const page = await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}`, headers: { cookie: 'omni_onboard=%zz' } });
    expect([page.statusCode, String(page.headers['set-cookie']).startsWith('omni_onboard=')]).toEqual([200, true]);
    const form = await ctx.app.inject({
      method: 'POST', url: `/onboard/${session.sid}/sign-in`, headers: { cookie: 'omni_onboard=%zz', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'csrf=x',
    });
    expect(form.statusCode).toBe(403);
  });

  it('serves the reference lists without authentication', async () => {
    const types = await ctx.app.inject({ method: 'GET', url: '/api/v1/partner/reference/types?subCategoryId=0e882586-c506-4792-a831-02767a68dae2' });
    expect(types.json()).toMatchObject({ success: true, message: 'Types retrieved successfully', data: [{ id: 'd86db295-41c3-423d-a2c2-a59724f38316', name: 'T-Shirts' }] });
    const categories = await ctx.app.inject({ method: 'GET', url: '/api/v1/partner/reference/categories' });
    expect(categories.json().data.length).toBeGreaterThanOrEqual(2);
    const missing = await ctx.app.inject({ method: 'GET', url: '/api/v1/partner/reference/types' });
    expect(missing.json().error.code).toBe('VAL_001');
  });
});
