import { expect } from 'vitest';
import { createSeller } from '../../src/onboarding/sellers.js';
import { createTestStore, signedInject, type TestContext, type TestStore } from './test-app.js';
import { decryptJsonField } from '../../src/sdk/index.js';

/** Opens a session as the store's partner (POST /partner/onboard/sessions). */
export const openSession = (ctx: TestContext, store: TestStore, redirectUri = 'https://partner.example/callback') =>
  signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/onboard/sessions', partnerOnly: true, body: { redirectUri } });

/** Opens a session as the store's partner and creates a seller for the store. */
export async function openOnboarding(ctx: TestContext, store: TestStore, redirectUri = 'https://partner.example/callback') {
  const email = `seller-${store.storeClientId}@example.com`.toLowerCase();
  await createSeller(ctx.sql, { email, password: 'correct horse battery', storeClientId: store.storeClientId });
  const res = await openSession(ctx, store, redirectUri);
  return { email, password: 'correct horse battery', ...(res.json().data as { sid: string; expiresAt: string; onboardUrl: string }), status: res.statusCode };
}

/** The seller's browser, over inject: keeps the cookie and the CSRF token of the last page. */
export function sellerBrowser(ctx: TestContext, sid: string) {
  let cookie = '';
  let csrf = '';
  const remember = <R extends { headers: Record<string, unknown>; body: string }>(res: R): R => {
    const set = res.headers['set-cookie'];
    if (typeof set === 'string') cookie = set.split(';')[0];
    csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? csrf;
    return res;
  };
  const post = (path: string, form: Record<string, string>) => ctx.app.inject({
    method: 'POST', url: `/onboard/${sid}/${path}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, ...form }).toString(),
  }).then(remember);
  const open = () => ctx.app.inject({ method: 'GET', url: `/onboard/${sid}`, headers: cookie ? { cookie } : {} }).then(remember);
  return {
    open,
    /** A sign-in that succeeds redirects to the session's page (303), which the browser then opens: that page is answered. */
    signIn: async (email: string, password: string) => {
      const res = await post('sign-in', { email, password });
      if (res.statusCode !== 303) return res;
      expect(res.headers.location).toBe(`/onboard/${sid}`);
      return open();
    },
    decide: (form: Record<string, string>) => post('decision', form),
    forgetCsrf: () => { csrf = 'forged'; },
  };
}

/**
 * The seller of `operated`'s store authorizes another partner (a new one, with a store of its own):
 * that partner and the sid it has yet to claim (claimMovedStore).
 */
export async function authorizeAnotherPartner(ctx: TestContext, operated: TestStore) {
  const seller = await openOnboarding(ctx, operated);
  const asker = await createTestStore(ctx, 0);
  const browser = sellerBrowser(ctx, (await openSession(ctx, asker)).json().data.sid);
  expect((await browser.open()).statusCode).toBe(200);
  await browser.signIn(seller.email, seller.password);
  const done = await browser.decide({ action: 'authorize', consent: 'yes', periodDays: '30' });
  return { asker, sid: new URL(String(done.headers.location)).searchParams.get('sid')! };
}

/** `asker` claims the store authorized under `sid` (GET store-access): that partner, operating `operated`'s store. */
export async function claimMovedStore(ctx: TestContext, asker: TestStore, sid: string, operated: TestStore): Promise<TestStore> {
  const claim = await signedInject(ctx, asker, { method: 'GET', url: `/api/v1/partner/onboard/store-access?sid=${sid}`, partnerOnly: true });
  expect(claim.statusCode, claim.body).toBe(200);
  const access = decryptJsonField<{ storeToken: string }>(claim.json().data.storeAccess, asker.partnerEncryptionKey);
  return { ...asker, storeId: operated.storeId, storeClientId: operated.storeClientId, storeToken: access.storeToken };
}
