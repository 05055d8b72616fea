import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AUTHORIZATION_PERIODS, type PageSession } from './sessions.js';
import { unstorable } from '../http/validation/unstorable-characters.js';

/**
 * The seller's onboarding pages: plain server-rendered HTML, no script. Forms
 * are protected against CSRF by a per-browser cookie (HttpOnly, SameSite=Strict)
 * and a hidden token that is an HMAC of the session id and that cookie.
 */
export const BROWSER_COOKIE = 'omni_onboard';

export const newBrowserToken = () => randomBytes(24).toString('base64url');

export function csrfToken(key: Buffer, sid: string, browserToken: string) {
  return createHmac('sha256', key).update(`onboard:${sid}:${browserToken}`).digest('base64url');
}

/**
 * A posted form's fields: its text values only, and not those PostgreSQL cannot hold. The forms
 * post URL-encoded text, but the routes also take JSON (the app's parser), where a csrf or an email
 * that was no string threw (Buffer.from(5), toLowerCase), and an email with %00 failed its query:
 * 500s. Such a field counts as not sent, so the seller gets the page a missing one gives.
 */
export function formFields(body: unknown): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string' && unstorable(e[1]) === null));
}

export function csrfValid(key: Buffer, sid: string, browserToken: string | undefined, token: string | undefined) {
  if (!browserToken || !token) return false;
  const expected = Buffer.from(csrfToken(key, sid, browserToken));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The cookie's value; undefined when it is absent or does not decode (`%zz` threw: a 500 on every page). */
export function readCookie(header: string | undefined, name: string) {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try { return decodeURIComponent(v.join('=')); } catch { return undefined; }
  }
  return undefined;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Omni</title><style>body{font-family:system-ui,sans-serif;overflow-wrap:anywhere;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input,select{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}
.error{color:#a00}.muted{color:#666}</style></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/**
 * How long the link has left, on both forms: it lasts 3 minutes from the partner's request, sign-in
 * and consent included, and the pages did not say so until it had expired (QA).
 */
function linkLife(s: PageSession, what: string) {
  // Whole minutes left, rounded down: never more time than there is (2:01 read "about 3 minutes": QA).
  const minutes = Math.floor(s.secondsLeft / 60);
  const left = s.secondsLeft < 60 ? 'less than a minute' : `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `<p class="muted">This link works for ${left} more: ${what} before then, or ask the app you are connecting for a new link.</p>`;
}

/**
 * The pages' forms post to `base` + /onboard/…: the path of PUBLIC_BASE_URL ('' or '/omni' behind
 * a proxy that serves Omni under a prefix), where the browser sees the pages.
 */
export function signInPage(s: PageSession, csrf: string, base: string, error?: string, email?: string) {
  // After a refused try: the email kept and the password focused (the form came back empty, the focus on
  // the page; QA), or the email focused when there is none to keep. No script: autofocus.
  const kept = error && email ? ` value="${esc(email)}"` : '';
  return layout('Connect your store', `
<p><strong>${esc(s.partnerName)}</strong> asks for access to your store's catalog and stock.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${linkLife(s, 'sign in and authorize')}
<form method="post" action="${esc(base)}/onboard/${esc(s.id)}/sign-in">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="username"${kept}${error && !kept ? ' autofocus' : ''}>
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password"${kept ? ' autofocus' : ''}>
<button type="submit">Sign in</button></form>`);
}

/**
 * The consent form. `chosenDays`: the period the seller chose, kept when the page comes back with an
 * error (it went back to 90 days, and a seller who chose 30 authorized 90: QA). The seller is told
 * when another partner operates the store now: authorizing moves it, and that partner's access ends.
 */
export function consentPage(s: PageSession, csrf: string, base: string, error?: string, chosenDays?: number) {
  const selected = (AUTHORIZATION_PERIODS as readonly number[]).includes(chosenDays ?? NaN) ? chosenDays : 90;
  return layout('Authorize access', `
<p><strong>${esc(s.partnerName)}</strong> asks to manage the catalog and stock of your store <strong>${esc(s.storeName ?? '')}</strong>.</p>
${s.currentPartnerName ? `<p><strong>${esc(s.currentPartnerName)}</strong> manages this store now: if you authorize ${esc(s.partnerName)}, ${esc(s.currentPartnerName)}'s access ends.</p>` : ''}
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${linkLife(s, 'authorize')}
<form method="post" action="${esc(base)}/onboard/${esc(s.id)}/decision">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<label for="period">Authorization period</label><select id="period" name="periodDays">
${AUTHORIZATION_PERIODS.map((d) => `<option value="${d}"${d === selected ? ' selected' : ''}>${d} days</option>`).join('')}</select>
<label><input type="checkbox" name="consent" value="yes" style="width:auto"> I allow ${esc(s.partnerName)} to access this store for this period.</label>
<button type="submit" name="action" value="authorize">Authorize</button>
<button type="submit" name="action" value="cancel">Cancel</button></form>`);
}

export function messagePage(title: string, message: string) {
  return layout(title, `<p>${esc(message)}</p><p class="muted">You can close this window.</p>`);
}
