import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { authorizedBy, decide, redirectWithSid, sessionForPage, signedInBy, signIn, AUTHORIZATION_PERIODS, type PageSession } from '../../../onboarding/sessions.js';
import { linkTriesUsedUp } from '../../../onboarding/sign-in-attempts.js';
import { isDatabaseUnavailable } from '../../../db/unavailable.js';
import { AppError } from '../../../errors/app-error.js';
import { BROWSER_COOKIE, consentPage, csrfToken, csrfValid, formFields, messagePage, newBrowserToken, readCookie, signInPage } from '../../../onboarding/pages.js';

const Sid = Type.Object({ sid: Type.String({ maxLength: 100 }) });
export const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    // The sid is in the page's address: no Referer carries it on; and for browsers before CSP's frame-ancestors (QA).
    .header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff').send(body);

/** A page for a link that is no onboarding session's (too long, glued to text by a mail client, cut short). */
export const linkNotValid = () => messagePage('Link not valid', 'This onboarding link does not exist. Ask the app you are connecting to start again.');

/** The seller-facing pages of onboarding (HTML forms, no client script). */
export async function onboardingPages(app: FastifyInstance, { sql, encryptionKey, config }: AppDeps) {
  // A seller's browser shows what these routes answer: a page, never the API's JSON envelope (a
  // database away, the server stopping, a sid over 100 characters showed raw SYS_002 or VAL_001; QA).
  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    // The sid's own schema (over 100 characters) or its check for NUL: no session's link.
    if (err.validation || (err instanceof AppError && err.code === 'VAL_001')) return html(reply, 404, linkNotValid());
    if (isDatabaseUnavailable(err) || (err instanceof AppError && err.code === 'SYS_002')) {
      request.log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, 'an onboarding page could not be served: the database is unavailable or the server is stopping');
      return html(reply.header('retry-after', '5'), 503, messagePage('Temporarily unavailable', 'This page could not be loaded just now. Wait a moment, then reload the page.'));
    }
    const status = err instanceof AppError ? err.status : err.statusCode ?? 500;
    if (status < 500) return html(reply, status, messagePage('Request refused', 'This request could not be read. Open the link again.'));
    request.log.error({ err }, 'unhandled error');
    return html(reply, 500, messagePage('Something went wrong', 'Try again in a moment. If it keeps happening, ask the app you are connecting for a new link.'));
  });
  // Secure where the pages are served over https (PUBLIC_BASE_URL): never sent over plain http,
  // where a man in the middle could read it, or set one for the browser to bring.
  const secure = config.publicBaseUrl.startsWith('https:') ? '; Secure' : '';
  // Where the browser sees the pages: under PUBLIC_BASE_URL's path when a proxy serves Omni under a
  // prefix (the cookie's path and the forms' actions at /onboard… missed it). Read at each request:
  // with PORT=0 the server sets publicBaseUrl once it listens.
  const base = () => new URL(config.publicBaseUrl).pathname.replace(/\/$/, '');
  // One cookie a session (its own path): the one a sign-in issues replaces that session's alone.
  // Shared by every session (Path=/onboard), it made the other onboarding tab of the same browser
  // fail its CSRF check (review). A sid is base64url: nothing in it to escape.
  const setBrowserCookie = (reply: FastifyReply, sid: string, token: string) =>
    reply.header('set-cookie', `${BROWSER_COOKIE}=${token}; Path=${base()}/onboard/${sid}; HttpOnly; SameSite=Lax; Max-Age=600${secure}`);
  // Forms post application/x-www-form-urlencoded; only these routes accept it.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const gone = (reply: FastifyReply, s: PageSession | null) => {
    if (!s) return html(reply, 404, linkNotValid());
    if (s.status === 'AUTHORIZED' || s.status === 'CLAIMED') return html(reply, 409, messagePage('Already authorized', 'This store was already authorized with this link.'));
    if (s.status === 'CANCELLED') return html(reply, 409, messagePage('Access not granted', 'You cancelled this request; nothing was shared.'));
    if (s.status === 'UNBOUND') return html(reply, 409, messagePage('Access revoked', 'The partner unbound this store after you authorized it; ask them for a new link.'));
    if (s.status === 'SUPERSEDED') return html(reply, 409, messagePage('Authorization replaced', 'You authorized this store again with a newer link: that authorization is the one that counts.'));
    if (s.expired) return html(reply, 410, messagePage('Link expired', 'This onboarding link expired (links are valid for 3 minutes). Ask the app you are connecting to start again.'));
    return null;
  };
  const browserOf = (sid: string, cookie: string | undefined, reply: FastifyReply) => {
    const existing = readCookie(cookie, BROWSER_COOKIE);
    if (existing) return existing;
    const fresh = newBrowserToken();
    setBrowserCookie(reply, sid, fresh);
    return fresh;
  };
  const hidden = { hide: true };
  const usedUp = (reply: FastifyReply) =>
    html(reply, 429, messagePage('Too many sign-in attempts', 'This link has used up its sign-in attempts. Ask the app you are connecting for a new link.'));
  /** Every form post: CSRF (cookie + token) first, then a session still open for it. */
  const checkForm = async (request: FastifyRequest, reply: FastifyReply) => {
    const { sid } = request.params as { sid: string };
    const form = formFields(request.body);
    const browser = readCookie(request.headers.cookie, BROWSER_COOKIE);
    if (!csrfValid(encryptionKey, sid, browser, form.csrf)) {
      return { stop: html(reply, 403, messagePage('Page out of date', 'This page was opened before your latest sign-in, or your browser blocks cookies for this site. '
        + 'Open the link again in this tab, with cookies allowed for this site.')) };
    }
    const s = await sessionForPage(sql, sid);
    // Authorize clicked again (a double click) by the browser whose consent authorized it: on to the partner, as the first.
    if (s && form.action === 'authorize' && request.url.endsWith('/decision') && authorizedBy(s, browser)) {
      return { stop: reply.code(303).header('location', redirectWithSid(s.redirectUri, sid)).header('cache-control', 'no-store').send() };
    }
    const stop = gone(reply, s);
    if (stop) return { stop };
    return { sid, form, browser: browser!, s: s! };
  };

  app.get('/onboard/:sid', { schema: { ...hidden, params: Sid } }, async (request, reply) => {
    const { sid } = request.params as { sid: string };
    const s = await sessionForPage(sql, sid);
    const stop = gone(reply, s);
    if (stop) return stop;
    const browser = browserOf(sid, request.headers.cookie, reply);
    const csrf = csrfToken(encryptionKey, sid, browser);
    if (!signedInBy(s!, browser) && await linkTriesUsedUp(sql, sid)) return usedUp(reply);
    // The browser that signed in gets the consent: a sign-in redirects here (POST-redirect-GET), so
    // a refresh of the consent page no longer posts the sign-in again with a spent CSRF token (403).
    return html(reply, 200, signedInBy(s!, browser) ? consentPage(s!, csrf, base()) : signInPage(s!, csrf, base()));
  });

  // The forms' own addresses, opened (the address bar shows /sign-in after a wrong password) or with
  // a trailing slash: the session's page, as a browser expects, not the API's JSON REQ_004 (QA).
  for (const path of ['/onboard/:sid/', '/onboard/:sid/sign-in', '/onboard/:sid/decision']) {
    app.get(path, { schema: { ...hidden, params: Sid } }, async (request, reply) => {
      const { sid } = request.params as { sid: string };
      return reply.code(303).header('location', `${base()}/onboard/${encodeURIComponent(sid)}`).header('cache-control', 'no-store').send();
    });
  }

  app.post('/onboard/:sid/sign-in', { schema: { ...hidden, params: Sid } }, async (request, reply) => {
    const posted = await checkForm(request, reply);
    if ('stop' in posted) return posted.stop;
    const { sid, form, s } = posted;
    // The session is bound to a cookie issued now, not to the one the browser brought (session fixation).
    const signedIn = newBrowserToken();
    const result = await signIn(sql, s, signedIn, form.email ?? '', form.password ?? '');
    if (result.linkUsedUp) return usedUp(reply);
    if (result.retryAfterSeconds !== undefined) {
      const minutes = Math.ceil(result.retryAfterSeconds / 60);
      reply.header('retry-after', String(result.retryAfterSeconds));
      // This link lives 3 minutes: the wait is for a new one (it said "try again in 13 minutes" on a page that could then only expire; QA).
      return html(reply, 429, signInPage(s, form.csrf, base(),
        `Too many sign-in attempts. In ${minutes} minute${minutes === 1 ? '' : 's'}, ask the app you are connecting for a new link and sign in again.`, form.email));
    }
    if (!result.ok) return html(reply, 401, signInPage(s, form.csrf, base(), 'Wrong email or password.', form.email));
    setBrowserCookie(reply, sid, signedIn);
    return reply.code(303).header('location', `${base()}/onboard/${sid}`).header('cache-control', 'no-store').send();
  });

  app.post('/onboard/:sid/decision', { schema: { ...hidden, params: Sid } }, async (request, reply) => {
    const posted = await checkForm(request, reply);
    if ('stop' in posted) return posted.stop;
    const { sid, form, browser, s } = posted;
    const periodDays = Number(form.periodDays);
    const authorize = form.action === 'authorize';
    if (authorize && form.consent !== 'yes') return html(reply, 400, consentPage(s, form.csrf, base(), 'Tick the box to give your consent, or cancel.', periodDays));
    if (authorize && !(AUTHORIZATION_PERIODS as readonly number[]).includes(periodDays)) return html(reply, 400, consentPage(s, form.csrf, base(), 'Choose an authorization period.'));
    const done = await decide(sql, sid, browser, { authorize, periodDays });
    // Signed in from another browser or device since (the consent belongs to the last sign-in), or never (QA: the text said
    // "Sign in first" to a seller who had, and the page led nowhere).
    if (!done) {
      // The double click's second post, decided while the first committed: on to the partner too.
      const now = authorize ? await sessionForPage(sql, sid) : null;
      if (now && authorizedBy(now, browser)) return reply.code(303).header('location', redirectWithSid(now.redirectUri, sid)).header('cache-control', 'no-store').send();
      return html(reply, 403, messagePage('Request refused', 'This link was signed in from another browser or device since (or not in this one): '
        + 'open the link again here and sign in, or decide in the browser that signed in last.'));
    }
    if (!authorize) return html(reply, 200, messagePage('Access not granted', 'You cancelled: nothing was shared with the app.'));
    return reply.code(303).header('location', redirectWithSid(done.redirectUri, sid)).send();
  });
}
