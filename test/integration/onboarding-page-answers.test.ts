import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { openOnboarding, sellerBrowser } from '../helpers/onboarding.js';

/** What a seller's browser is answered past the happy path (the seller-pages QA in a browser). */
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const CALLBACK = 'https://partner.example/callback';
const consentOf = async () => {
  const session = await openOnboarding(ctx, await createTestStore(ctx, 0), CALLBACK);
  const browser = sellerBrowser(ctx, session.sid);
  await browser.open();
  await browser.signIn(session.email, session.password);
  return { session, browser };
};
const authorize = { action: 'authorize', consent: 'yes', periodDays: '30' };
const page = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) =>
  [res.statusCode, res.headers['content-type'], /<h1>([^<]*)<\/h1>/.exec(res.body)?.[1]];

describe('the seller\'s pages', () => {
  it('take a second Authorize of the browser that authorized to the partner, as the first (a double click showed "Already authorized", and the partner never heard back)', async () => {
    const { session, browser } = await consentOf();
    const [first, second] = await Promise.all([browser.decide(authorize), browser.decide(authorize)]);
    const to = `${CALLBACK}?sid=${session.sid}`;
    expect([first.statusCode, first.headers.location, second.statusCode, second.headers.location]).toEqual([303, to, 303, to]);
    const third = await browser.decide(authorize);
    expect([third.statusCode, third.headers.location]).toEqual([303, to]);
    // Another browser's post is no consent of this one: the session is authorized, said as before.
    const other = sellerBrowser(ctx, session.sid);
    expect(page(await other.open())).toEqual([409, 'text/html; charset=utf-8', 'Already authorized']);
  });

  it('answer a link that is no session\'s with a page, not the API\'s JSON (a sid glued to text, cut in an escape, a path below it)', async () => {
    const { sid } = await openOnboarding(ctx, await createTestStore(ctx, 0));
    for (const url of [`/onboard/${sid}${'x'.repeat(101)}`, `/onboard/${sid.slice(0, 10)}%`, `/onboard/${sid}/sign-in/`, `/onboard/${sid}/a/b`]) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect([url, ...page(res), res.headers['cache-control']]).toEqual([url, 404, 'text/html; charset=utf-8', 'Link not valid', 'no-store']);
    }
    // The API's own paths keep the envelope.
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/nothing' })).json().error.code).toBe('REQ_004');
  });

  it('keep the email after a wrong password and focus the password; the lockout leads to a new link, not a wait the link outlives', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const browser = sellerBrowser(ctx, session.sid);
    await browser.open();
    const wrong = await browser.signIn(session.email, 'wrong password');
    expect(page(wrong)).toEqual([401, 'text/html; charset=utf-8', 'Connect your store']);
    expect(wrong.body).toContain(`id="email" name="email" type="email" required autocomplete="username" value="${session.email}">`);
    expect(wrong.body).toMatch(/id="password"[^>]*autocomplete="current-password" autofocus>/);
    for (let i = 0; i < 4; i++) await browser.signIn(session.email, 'wrong password');
    const locked = await browser.signIn(session.email, session.password);
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toMatch(/Too many sign-in attempts\. In \d+ minutes?, ask the app you are connecting for a new link and sign in again\./);
  });

  it('say a link has used up its tries when it is opened again, instead of a form no try can pass', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const [{ partner_id: partnerId }] = await ctx.sql`select partner_id from onboard_sessions where id = ${session.sid}`;
    await ctx.sql`insert into seller_sign_in_attempts (email, partner_id, session_id)
      select 'someone-' || n || '@example.com', ${partnerId}, ${session.sid} from generate_series(1, 10) n`;
    const res = await sellerBrowser(ctx, session.sid).open();
    expect(page(res)).toEqual([429, 'text/html; charset=utf-8', 'Too many sign-in attempts']);
    expect(res.body).toContain('This link has used up its sign-in attempts.');
  });

  it('set a cookie a link opened from another site brings (SameSite=Lax: Strict left it behind, and the new tab signed the first one out)', async () => {
    const { sid } = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const res = await ctx.app.inject({ method: 'GET', url: `/onboard/${sid}` });
    expect(String(res.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=600$/);
    // The sid in the address goes to no other site as a Referer; no frame, no sniffing.
    expect([res.headers['referrer-policy'], res.headers['x-frame-options'], res.headers['x-content-type-options']]).toEqual(['no-referrer', 'DENY', 'nosniff']);
  });

  it('say how long the link has left on the sign-in and the consent (3 minutes from the partner\'s request, which the pages told only once it had expired)', async () => {
    const session = await openOnboarding(ctx, await createTestStore(ctx, 0));
    const browser = sellerBrowser(ctx, session.sid);
    const life = (body: string) => /This link works for ([^:]*) more: ([^<]*) before then/.exec(body)?.slice(1);
    expect(life((await browser.open()).body)).toEqual(['about 3 minutes', 'sign in and authorize']);
    await ctx.sql`update onboard_sessions set expires_at = now() + interval '121 seconds' where id = ${session.sid}`;
    expect(life((await browser.open()).body)).toEqual(['about 2 minutes', 'sign in and authorize']);
    await ctx.sql`update onboard_sessions set expires_at = now() + interval '119 seconds' where id = ${session.sid}`;
    expect(life((await browser.open()).body)).toEqual(['about 1 minute', 'sign in and authorize']);
    await browser.signIn(session.email, session.password);
    await ctx.sql`update onboard_sessions set expires_at = now() + interval '40 seconds' where id = ${session.sid}`;
    const consent = await browser.open();
    expect([page(consent)[2], life(consent.body)]).toEqual(['Authorize access', ['less than a minute', 'authorize']]);
  });
});
