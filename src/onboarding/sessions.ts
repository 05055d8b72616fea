import { createHash, randomBytes } from 'node:crypto';
import type { Queryable, Sql } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { issueStoreToken } from '../stores/stores.js';
import { listWarehouses } from '../stores/warehouses.js';
import { partnerEncryptionKey } from '../partners/partners.js';
import { authenticateSeller } from './sellers.js';
import { forgetSignInTries, reserveSignInTry } from './sign-in-attempts.js';
import { encryptField } from './encrypted-field.js';

/** A session lives 3 minutes from issue (partner-api.md); the seller must finish and the partner claim within it. */
export const SESSION_TTL_MS = 3 * 60 * 1000;
/** Authorization periods the seller can choose, in days. */
export const AUTHORIZATION_PERIODS = [30, 90, 180, 365] as const;

const sha256 = (v: string) => createHash('sha256').update(v).digest();

/**
 * The redirectUri must be a URL a browser can be sent to (WHATWG's parser, as redirectWithSid
 * reads it): the schema's RFC 3986 `uri` also takes `https://` (no host), a port past 65535 or
 * `256.1.1.1`, which opened a session whose seller, once authorized, got a 500 instead of the redirect.
 */
function assertRedirectable(redirectUri: string) {
  let url: URL | undefined;
  try { url = new URL(redirectUri); } catch { /* refused below */ }
  if (!url?.host) throw new AppError('VAL_001', { validationErrors: { redirectUri: 'redirectUri must be a URL address' } });
  // Omni adds the session's sid (redirectWithSid): one already there made `?sid=a&sid=obs_…`,
  // and a partner reading the first got its own value, not the session's.
  if (url.searchParams.has('sid')) {
    throw new AppError('VAL_001', { validationErrors: { redirectUri: 'redirectUri must not have a sid query parameter: Omni adds the session\'s own' } });
  }
}

export async function openSession(sql: Queryable, partnerId: string, redirectUri: string, publicBaseUrl: string) {
  assertRedirectable(redirectUri);
  const id = `obs_${randomBytes(18).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await sql`insert into onboard_sessions (id, partner_id, redirect_uri, expires_at) values (${id}, ${partnerId}, ${redirectUri}, ${expiresAt})`;
  return { sid: id, expiresAt: expiresAt.toISOString(), onboardUrl: `${publicBaseUrl}/onboard/${id}` };
}

export interface PageSession {
  id: string; status: string; expired: boolean;
  /** Until the link expires (0 once it has): the pages say how long the seller has. */
  secondsLeft: number;
  partnerId: string; partnerName: string; redirectUri: string; storeName: string | null;
  /** Another partner that operates the signed-in seller's store now (a live token): authorizing ends its access. */
  currentPartnerName: string | null;
  /** The signed-in browser's cookie, hashed (null before a sign-in). */
  browserHash: Buffer | null;
}

/** What the seller's page needs; null when the sid does not exist. */
export async function sessionForPage(sql: Queryable, sid: string): Promise<PageSession | null> {
  const [s] = await sql<any[]>`
    select o.id, o.status, o.expires_at < now() as expired, greatest(0, ceil(extract(epoch from o.expires_at - now())))::int as seconds_left, o.partner_id, p.name as partner_name, o.redirect_uri, st.name as store_name, o.browser_hash,
      (select cp.name from partners cp where cp.id = st.partner_id and st.partner_id <> o.partner_id
         and exists (select 1 from store_tokens t where t.store_id = st.id and t.revoked_at is null and (t.expires_at is null or t.expires_at > now()))) as current_partner_name
    from onboard_sessions o join partners p on p.id = o.partner_id left join stores st on st.id = o.store_id
    where o.id = ${sid}`;
  return s ? {
    id: s.id, status: s.status, expired: s.expired, secondsLeft: s.seconds_left, partnerId: s.partner_id, partnerName: s.partner_name, redirectUri: s.redirect_uri,
    storeName: s.store_name, currentPartnerName: s.current_partner_name, browserHash: s.browser_hash,
  } : null;
}

/** Whether this browser's cookie is the one the session was signed in with: its page is then the consent. */
export function signedInBy(s: PageSession, browserToken: string) {
  return s.status === 'SIGNED_IN' && s.browserHash !== null && sha256(browserToken).equals(s.browserHash);
}

/**
 * Whether this browser's consent authorized the session: a second click of Authorize (a double
 * click: the browser shows the second answer) is taken to the partner as the first was; it showed
 * "Already authorized", and the partner's app never heard back (QA). Not once the link expired.
 */
export function authorizedBy(s: PageSession, browserToken: string | undefined) {
  return s.status === 'AUTHORIZED' && !s.expired && browserToken !== undefined && s.browserHash !== null && sha256(browserToken).equals(s.browserHash);
}

/**
 * Sign-in: binds the session to this seller's store and to this browser, by `browserToken`, a
 * cookie value issued for the sign-in (the page's route sets it): one the browser brought could
 * have been planted, and whoever planted it could then decide in the seller's name (QA). A try
 * is counted first (sign-in-attempts.ts): past the limits, `retryAfterSeconds` and no check.
 */
export async function signIn(sql: Sql, session: Pick<PageSession, 'id' | 'partnerId'>, browserToken: string, email: string, password: string)
  : Promise<{ ok: boolean; retryAfterSeconds?: number; linkUsedUp?: boolean }> {
  const reserved = await reserveSignInTry(sql, email, session);
  if (!reserved.ok) return reserved;
  const seller = await authenticateSeller(sql, email, password);
  if (!seller) return { ok: false };
  const [s] = await sql`
    update onboard_sessions set status = 'SIGNED_IN', seller_id = ${seller.sellerId}, store_id = ${seller.storeId}, browser_hash = ${sha256(browserToken)}
    where id = ${session.id} and status in ('OPEN', 'SIGNED_IN') and expires_at > now() returning id`;
  if (s) await forgetSignInTries(sql, email, session.partnerId);
  return { ok: Boolean(s) };
}

/**
 * Where the seller's browser goes once they authorized: the partner's redirectUri with `sid` added
 * to its query (partner-api.md: "redirected to redirectUri with ?sid=…"). The partner's own query
 * stays as it was sent: URLSearchParams would write it anew (`?redirect=/a` as `redirect=%2Fa`,
 * `?debug` as `debug=`), and a partner may compare or read that query as it registered it.
 */
export function redirectWithSid(redirectUri: string, sid: string): string {
  const target = new URL(redirectUri);
  const param = `sid=${encodeURIComponent(sid)}`;
  target.search = target.search.length > 1 ? `${target.search.slice(1)}&${param}` : param;
  return target.toString();
}

/** The first key of a store's decision lock (pg_advisory_xact_lock(int, int): the second is the store's hashtext). */
export const STORE_DECISION_LOCK = 7_114;

/** The seller's decision; only the browser that signed in may make it. */
export async function decide(sql: Sql, sid: string, browserToken: string, decision: { authorize: boolean; periodDays: number }) {
  const until = new Date(Date.now() + decision.periodDays * 86400000);
  // An authorization supersedes the store's earlier ones not claimed yet (0132: SUPERSEDED, ONB_008):
  // a claim replaces the store's token, so the partner claiming an older consent after this one
  // got back the longer period the seller had just replaced (review).
  // One decision of a store at a time (its decision lock, held to commit): two authorizations at
  // once did not see each other's uncommitted row, neither superseded the other, and both were
  // claimable, the last claimed winning whatever the seller chose last (QA). Taken before the
  // statement below, whose snapshot then sees the one decided before it.
  const [s] = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${STORE_DECISION_LOCK}, hashtext(store_id::text)) from onboard_sessions where id = ${sid} and store_id is not null`;
    return tx<{ redirect_uri: string; status: string }[]>`
    with decided as (
      update onboard_sessions set status = ${decision.authorize ? 'AUTHORIZED' : 'CANCELLED'},
        authorized_until = ${decision.authorize ? until : null}
      where id = ${sid} and status = 'SIGNED_IN' and expires_at > now() and browser_hash = ${sha256(browserToken)}
      returning id, store_id, redirect_uri, status),
    superseded as (
      update onboard_sessions o set status = 'SUPERSEDED' from decided d
      where d.status = 'AUTHORIZED' and o.store_id = d.store_id and o.id <> d.id and o.status = 'AUTHORIZED')
    select redirect_uri, status from decided`;
  });
  return s ? { redirectUri: s.redirect_uri, status: s.status } : null;
}

/**
 * GET store-access: once per sid, while it is valid, for the partner that opened
 * it. Issues a store token that expires with the authorization, and returns the
 * credential as one ENCRYPTED: field under the partner's key.
 */
export async function claimStoreAccess(sql: Sql, key: Buffer, partnerId: string, sid: string) {
  return sql.begin(async (tx) => {
    // The store's row first, then the session's: an unbind locks them in that order (and a
    // rotation the store's), so a claim and an unbind of the store run in turn, never deadlocked.
    await tx`select 1 from stores where id = (select store_id from onboard_sessions where id = ${sid} and partner_id = ${partnerId}) for no key update`;
    const [s] = await tx<any[]>`
      select o.*, o.expires_at < now() as expired, st.client_id as store_client_id, st.name as store_name
      from onboard_sessions o left join stores st on st.id = o.store_id
      where o.id = ${sid} and o.partner_id = ${partnerId} for update of o`;
    if (!s) throw new AppError('ONB_001', { sid });
    if (s.status === 'CLAIMED') throw new AppError('ONB_004', { sid });
    if (s.expired) throw new AppError('ONB_002', { sid, expiredAt: s.expires_at });
    if (s.status === 'CANCELLED') throw new AppError('ONB_005', { sid });
    if (s.status === 'UNBOUND') throw new AppError('ONB_007', { sid });
    if (s.status === 'SUPERSEDED') throw new AppError('ONB_008', { sid });
    if (s.status !== 'AUTHORIZED') throw new AppError('ONB_003', { sid, status: s.status });
    // A store is operated by one partner at a time: authorizing another partner moves it. And it
    // has one live token, as a rotation leaves it: the token claimed here replaces the store's
    // others, the previous partner's or this one's. A seller onboarding again for a shorter
    // period left the first token working to its own, later end (until 2026-12-06). Its
    // authorization likewise replaces the ones before it.
    const moved = await tx`update stores set partner_id = ${partnerId}, updated_at = now() where id = ${s.store_id} and partner_id <> ${partnerId} returning 1`;
    // The previous partner's Idempotency-Keys go with it (they are kept by store: the new partner's
    // first request under a key the old one had used was answered with the old one's response, and
    // nothing of its own was written; QA). The tenant's PIM keys ('pim ' + key) are not a partner's.
    if (moved.length > 0) await tx`delete from idempotency_keys where store_id = ${s.store_id} and key not like 'pim %'`;
    await tx`update store_tokens set revoked_at = now() where store_id = ${s.store_id} and revoked_at is null`;
    await tx`update store_authorizations set revoked_at = now() where store_id = ${s.store_id} and revoked_at is null`;
    const storeToken = await issueStoreToken(tx, s.store_id, s.authorized_until);
    await tx`insert into store_authorizations (store_id, partner_id, session_id, expires_at) values (${s.store_id}, ${partnerId}, ${sid}, ${s.authorized_until})`;
    await tx`update onboard_sessions set status = 'CLAIMED', claimed_at = now() where id = ${sid}`;
    const warehouses = (await listWarehouses(tx, s.store_id)).map((w: any) => ({ clientId: w.clientId, name: w.name }));
    const credential = { storeClientId: s.store_client_id, storeName: s.store_name, storeToken, expiresAt: s.authorized_until.toISOString(), warehouses };
    return { storeAccess: encryptField(JSON.stringify(credential), await partnerEncryptionKey(tx, key, partnerId)), expiresAt: credential.expiresAt };
  });
}

/**
 * Unbind: revokes the store's tokens and this partner's authorizations at once, and ends this
 * partner's sessions for the store that the seller authorized but the partner has not claimed yet
 * (claiming one after the unbind is ONB_007): the seller must onboard again (partner-api.md).
 * A store with none of these left is not bound to the partner: ONB_006, as for another's store.
 */
export async function unbindStore(sql: Sql, partnerId: string, storeClientId: string) {
  return sql.begin(async (tx) => {
    // The store's row locked (FOR NO KEY UPDATE: inserts referencing the store go on), as a claim
    // and a rotation lock it: a claim by another partner committed between this read and the
    // revocation below lost its new token, the store's one live token, to this unbind (QA). Now
    // the unbind waits for the claim, then finds the store another's: ONB_006.
    const [store] = await tx<{ id: string }[]>`select id from stores where client_id = ${storeClientId} and partner_id = ${partnerId} for no key update`;
    if (!store) throw new AppError('ONB_006', { storeClientId });
    // What is still live: a token or an authorization past its end binds nothing (an unbind of a
    // store whose seller's period had ended answered 200 with counts of what had ended; QA).
    const live = tx`revoked_at is null and (expires_at is null or expires_at > now())`;
    const revoked = await tx`update store_tokens set revoked_at = now() where store_id = ${store.id} and ${live} returning 1`;
    const authorizations = await tx`
      update store_authorizations set revoked_at = now() where store_id = ${store.id} and partner_id = ${partnerId} and ${live} returning 1`;
    const sessions = await tx`update onboard_sessions set status = 'UNBOUND' where store_id = ${store.id} and partner_id = ${partnerId} and status = 'AUTHORIZED' returning 1`;
    // Nothing left to end: the store is no longer bound (unbound before, or never onboarded).
    if (revoked.length + authorizations.length + sessions.length === 0) throw new AppError('ONB_006', { storeClientId });
    return { storeClientId, revokedTokens: revoked.length, revokedAuthorizations: authorizations.length };
  });
}
