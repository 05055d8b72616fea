import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { openOnboarding, openSession, sellerBrowser } from '../helpers/onboarding.js';

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

  it('keeps the period the seller chose when the consent comes back with an error (it went back to 90 days: QA)', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const browser = sellerBrowser(ctx, session.sid);
    await browser.open();
    await browser.signIn(session.email, session.password);
    const unticked = await browser.decide({ action: 'authorize', periodDays: '30' });
    expect(unticked.statusCode).toBe(400);
    expect(unticked.body).toContain('<option value="30" selected>');
    expect(unticked.body).not.toContain('<option value="90" selected>');
  });

  it("tells the seller when another partner operates the store now: authorizing ends that partner's access (QA)", async () => {
    // The seller's store, operated by its partner (a live token); another partner asks for it.
    const operated = await createTestStore(ctx, 0);
    const own = await openOnboarding(ctx, operated);
    const asker = await createTestStore(ctx, 0);
    const [{ name: askerName }] = await ctx.sql`select name from partners where id = ${asker.partnerId}`;
    const [{ name: operatorName }] = await ctx.sql`select name from partners where id = ${operated.partnerId}`;
    const sid = (await openSession(ctx, asker)).json().data.sid as string;
    const browser = sellerBrowser(ctx, sid);
    await browser.open();
    const consent = await browser.signIn(own.email, own.password);
    expect(consent.body).toContain(`manages this store now: if you authorize ${askerName}, ${operatorName}'s access ends.`);
    // Its own partner's link says nothing of the kind.
    const ownBrowser = sellerBrowser(ctx, own.sid);
    await ownBrowser.open();
    expect((await ownBrowser.signIn(own.email, own.password)).body).not.toContain('manages this store now');
  });

  it('answers the forms\' addresses opened in the address bar with the session\'s page (they were the API\'s JSON REQ_004: QA)', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    for (const path of ['sign-in', 'decision', '']) {
      const res = await ctx.app.inject({ method: 'GET', url: `/onboard/${session.sid}/${path}` });
      expect([path, res.statusCode, res.headers.location]).toEqual([path, 303, `/onboard/${session.sid}`]);
    }
  });

  it('tells a seller whose sign-in another browser took since what to do (it said "Sign in first" to one who had: QA)', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const first = sellerBrowser(ctx, session.sid);
    await first.open();
    await first.signIn(session.email, session.password);
    const second = sellerBrowser(ctx, session.sid);
    await second.open();
    await second.signIn(session.email, session.password);
    const refused = await first.decide({ action: 'authorize', consent: 'yes', periodDays: '30' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('signed in from another browser or device since');
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
