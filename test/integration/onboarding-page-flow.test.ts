import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { openOnboarding, sellerBrowser } from '../helpers/onboarding.js';

/** The seller's pages as a browser moves through them: reloads, and a proxy serving Omni under a path. */
describe('onboarding page flow', () => {
  let ctx: TestContext;
  beforeAll(async () => { ctx = await createTestApp(); });
  afterAll(async () => { await ctx.close(); });

  it('a sign-in redirects to the session\'s page, which shows this browser the consent again on every reload', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const browser = sellerBrowser(ctx, session.sid);
    await browser.open();
    // signIn follows the 303 (the helper checks its Location) and answers the page it leads to.
    expect((await browser.signIn(session.email, session.password)).body).toContain('Authorize access');
    // A reload is a GET of that page: before, the consent was the sign-in POST's answer, and a reload
    // posted the sign-in again with its spent CSRF token (403, "open the link again").
    const reloaded = await browser.open();
    expect(reloaded.statusCode).toBe(200);
    expect(reloaded.body).toContain('Authorize access');
    expect((await browser.decide({ action: 'authorize', consent: 'yes', periodDays: '30' })).statusCode).toBe(303);
  });

  it('another browser opening a signed-in session is shown the sign-in, not the consent', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const seller = sellerBrowser(ctx, session.sid);
    await seller.open();
    await seller.signIn(session.email, session.password);
    const other = sellerBrowser(ctx, session.sid);
    const page = await other.open();
    expect(page.body).toContain('Connect your store');
    expect(page.body).not.toContain('Authorize access');
  });
});

describe('onboarding behind a proxy that serves Omni under a path (PUBLIC_BASE_URL with a path)', () => {
  let ctx: TestContext;
  beforeAll(async () => { ctx = await createTestApp({ env: { PUBLIC_BASE_URL: 'https://market.example/omni/' } }); });
  afterAll(async () => { await ctx.close(); });

  it('links, form actions, the cookie\'s path and the redirect after sign-in carry the path', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    expect(session.onboardUrl).toBe(`https://market.example/omni/onboard/${session.sid}`);
    // The proxy strips /omni: Omni serves /onboard/{sid}, the browser sees /omni/onboard/{sid}.
    const page = await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}` });
    expect(page.body).toContain(`action="/omni/onboard/${session.sid}/sign-in"`);
    expect(String(page.headers['set-cookie'])).toContain(`Path=/omni/onboard/${session.sid};`);
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1];
    const signedIn = await ctx.app.inject({
      method: 'POST', url: `/onboard/${session.sid}/sign-in`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf, email: session.email, password: session.password }).toString(),
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe(`/omni/onboard/${session.sid}`);
    expect(String(signedIn.headers['set-cookie'])).toMatch(new RegExp(`Path=/omni/onboard/${session.sid};.*; Secure$`));
    const consent = await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}`, headers: { cookie: String(signedIn.headers['set-cookie']).split(';')[0] } });
    expect(consent.body).toContain(`action="/omni/onboard/${session.sid}/decision"`);
  });
});
