import type { Sql } from '../db/database.js';

/**
 * Limits on the seller sign-in of the onboarding page. Any partner can open sessions at will, and
 * seller emails are no secret: without a limit a partner could try passwords for a store's seller
 * until one worked, and a right guess moved the store to it (QA: 50 tries in a row, the 50th
 * signed in). Every try counts from the moment it starts until it succeeds, an unknown email's
 * too (the page says the same of both), in PostgreSQL, so that every API process counts alike:
 *
 * - an email, through one partner's sessions: at most MAX_TRIES_PER_EMAIL failed tries in
 *   SIGN_IN_WINDOW_MS. Per partner: counted across partners, another partner's failed tries
 *   locked a seller out of onboarding with every partner (review);
 * - a session (one onboarding link): at most MAX_TRIES_PER_SESSION, so that whoever holds a link
 *   cannot use up its partner's budget (one link did in 19 s; review);
 * - a partner, across every email and its sessions: at most MAX_TRIES_PER_PARTNER, so that
 *   trying a password for many sellers is bounded too.
 *
 * A try is reserved before its password is checked (scrypt, tens of milliseconds), under locks of
 * the partner and the email held only for the counts and the insert: tries sent at once cannot all
 * pass a count none of them is in yet. A success forgets the email's tries with that partner. The
 * price: a partner (or whoever holds its links) who tries wrong passwords for an email keeps its
 * seller from onboarding with that partner for up to the window, not with any other.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_TRIES_PER_EMAIL = 5;
export const MAX_TRIES_PER_SESSION = 10;
export const MAX_TRIES_PER_PARTNER = 50;

export type SignInTry = { ok: true; tryId: string } | { ok: false; retryAfterSeconds: number };

/** Reserves one try for this email in this session of its partner, or says how long to wait. */
export async function reserveSignInTry(sql: Sql, email: string, session: { id: string; partnerId: string }): Promise<SignInTry> {
  const key = email.toLowerCase();
  const partnerId = session.partnerId;
  return sql.begin(async (tx) => {
    // In one order (partner, then email), so that two tries never wait for each other's second lock.
    await tx`select pg_advisory_xact_lock(hashtextextended(${partnerId}, 11)), pg_advisory_xact_lock(hashtextextended(${key}, 12))`;
    // The window by the database's clock, as tried_at is written: the API's may be off.
    const window = `${SIGN_IN_WINDOW_MS} milliseconds`;
    const [c] = await tx<{ email: number; email_oldest: Date | null; session: number; partner: number; partner_oldest: Date | null; now: Date }[]>`
      with recent as (select email, session_id, tried_at from seller_sign_in_attempts where partner_id = ${partnerId} and tried_at > now() - ${window}::interval)
      select count(*) filter (where email = ${key})::int as email, min(tried_at) filter (where email = ${key}) as email_oldest,
        count(*) filter (where session_id = ${session.id})::int as session, count(*)::int as partner, min(tried_at) as partner_oldest, now() as now
      from recent`;
    // A session lives 3 minutes: its limit lasts as long as it does (the wait, its end).
    if (c.session >= MAX_TRIES_PER_SESSION) return { ok: false as const, retryAfterSeconds: Math.ceil(SIGN_IN_WINDOW_MS / 1000) };
    const full = [c.email >= MAX_TRIES_PER_EMAIL ? c.email_oldest : null, c.partner >= MAX_TRIES_PER_PARTNER ? c.partner_oldest : null]
      .filter((d): d is Date => d !== null);
    if (full.length > 0) {
      // When the oldest try that counts leaves the window, one more may be made.
      const freeAt = Math.max(...full.map((d) => d.getTime() + SIGN_IN_WINDOW_MS));
      return { ok: false as const, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - c.now.getTime()) / 1000)) };
    }
    // Tries older than the window count for nothing: the partner's go as its new ones come.
    await tx`delete from seller_sign_in_attempts where partner_id = ${partnerId} and tried_at <= now() - ${window}::interval`;
    const [row] = await tx<{ id: string }[]>`
      insert into seller_sign_in_attempts (email, partner_id, session_id) values (${key}, ${partnerId}, ${session.id}) returning id`;
    return { ok: true as const, tryId: row.id };
  });
}

/** A try that signed in: the email's tries with this partner are forgotten (a seller who mistyped is not held to them). */
export async function forgetSignInTries(sql: Sql, email: string, partnerId: string) {
  await sql`delete from seller_sign_in_attempts where email = ${email.toLowerCase()} and partner_id = ${partnerId}`;
}
