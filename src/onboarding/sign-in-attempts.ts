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
 * - a session (one onboarding link): at most MAX_TRIES_PER_SESSION, whatever the emails.
 *
 * No limit counts a partner's tries across emails: whoever can have links made (a partner's
 * "connect your store" button, open to anyone) used up such a budget (50) with five links, and
 * every seller of the partner waited 15 minutes (review). Trying passwords for many sellers is
 * bounded per email (5 a partner in 15 minutes) and costs a scrypt each.
 *
 * A try is reserved before its password is checked (scrypt, tens of milliseconds), under a lock of
 * the partner held only for the counts and the insert: tries sent at once cannot all pass a count
 * none of them is in yet. A success forgets the email's tries with that partner. The
 * price: a partner (or whoever holds its links) who tries wrong passwords for an email keeps its
 * seller from onboarding with that partner for up to the window, not with any other.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_TRIES_PER_EMAIL = 5;
export const MAX_TRIES_PER_SESSION = 10;

/** A try may go on; or the email waits `retryAfterSeconds`; or the link has used up its tries (`linkUsedUp`). */
export type SignInTry = { ok: true } | { ok: false; retryAfterSeconds: number } | { ok: false; linkUsedUp: true };

/** Reserves one try for this email in this session of its partner, or says how long to wait. */
export async function reserveSignInTry(sql: Sql, email: string, session: { id: string; partnerId: string }): Promise<SignInTry> {
  const key = email.toLowerCase();
  const partnerId = session.partnerId;
  return sql.begin(async (tx) => {
    // Every count is of the partner's tries: its lock alone serialises them.
    await tx`select pg_advisory_xact_lock(hashtextextended(${partnerId}, 11))`;
    // The window by the database's clock, as tried_at is written: the API's may be off.
    const window = `${SIGN_IN_WINDOW_MS} milliseconds`;
    const [c] = await tx<{ email: number; email_oldest: Date | null; session: number; now: Date }[]>`
      with recent as (select email, session_id, tried_at from seller_sign_in_attempts where partner_id = ${partnerId} and tried_at > now() - ${window}::interval)
      select count(*) filter (where email = ${key})::int as email, min(tried_at) filter (where email = ${key}) as email_oldest,
        count(*) filter (where session_id = ${session.id})::int as session, now() as now
      from recent`;
    // A link lives 3 minutes: no wait would help it (it said 15 minutes; review).
    if (c.session >= MAX_TRIES_PER_SESSION) return { ok: false as const, linkUsedUp: true as const };
    if (c.email >= MAX_TRIES_PER_EMAIL && c.email_oldest) {
      // When the oldest try that counts leaves the window, one more may be made.
      const freeAt = c.email_oldest.getTime() + SIGN_IN_WINDOW_MS;
      return { ok: false as const, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - c.now.getTime()) / 1000)) };
    }
    // Tries older than the window count for nothing: the partner's go as its new ones come.
    await tx`delete from seller_sign_in_attempts where partner_id = ${partnerId} and tried_at <= now() - ${window}::interval`;
    await tx`insert into seller_sign_in_attempts (email, partner_id, session_id) values (${key}, ${partnerId}, ${session.id})`;
    return { ok: true as const };
  });
}

/** Whether the session has used up its tries (its page then says so, instead of a form no try can pass: QA). */
export async function linkTriesUsedUp(sql: Sql, sessionId: string): Promise<boolean> {
  const window = `${SIGN_IN_WINDOW_MS} milliseconds`;
  const [{ tries }] = await sql<{ tries: number }[]>`
    select count(*)::int as tries from seller_sign_in_attempts where session_id = ${sessionId} and tried_at > now() - ${window}::interval`;
  return tries >= MAX_TRIES_PER_SESSION;
}

/** A try that signed in: the email's tries with this partner are forgotten (a seller who mistyped is not held to them). */
export async function forgetSignInTries(sql: Sql, email: string, partnerId: string) {
  await sql`delete from seller_sign_in_attempts where email = ${email.toLowerCase()} and partner_id = ${partnerId}`;
}
