import type { Sql } from '../db/database.js';

/**
 * Limits on the seller sign-in of the onboarding page. Any partner can open sessions at will, and
 * seller emails are no secret: without a limit a partner could try passwords for a store's seller
 * until one worked, and a right guess moved the store to it (QA: 50 tries in a row, the 50th
 * signed in). Every try counts from the moment it starts until it succeeds, an unknown email's
 * too (the page says the same of both), in PostgreSQL, so that every API process counts alike:
 *
 * - an email: at most MAX_TRIES_PER_EMAIL failed tries in SIGN_IN_WINDOW_MS;
 * - a partner (the sessions it opened): at most MAX_TRIES_PER_PARTNER, across every email, so that
 *   trying one password for many sellers is bounded too.
 *
 * A try is reserved before its password is checked (scrypt, tens of milliseconds), under locks of
 * the partner and the email held only for the count and the insert: tries sent at once cannot all
 * pass a count none of them is in yet. A success forgets the email's tries. The price is that a
 * partner who tries wrong passwords for an email locks its seller out of onboarding for up to the
 * window; the seller's store, and every other API, are untouched.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_TRIES_PER_EMAIL = 5;
export const MAX_TRIES_PER_PARTNER = 50;

export type SignInTry = { ok: true; tryId: string } | { ok: false; retryAfterSeconds: number };

/** Reserves one try for this email by this session's partner, or says how long to wait. */
export async function reserveSignInTry(sql: Sql, email: string, partnerId: string): Promise<SignInTry> {
  const key = email.toLowerCase();
  return sql.begin(async (tx) => {
    // In one order (partner, then email), so that two tries never wait for each other's second lock.
    await tx`select pg_advisory_xact_lock(hashtextextended(${partnerId}, 11)), pg_advisory_xact_lock(hashtextextended(${key}, 12))`;
    const since = new Date(Date.now() - SIGN_IN_WINDOW_MS);
    const [counts] = await tx<{ by_email: number; email_oldest: Date | null; by_partner: number; partner_oldest: Date | null }[]>`
      select (select count(*) from seller_sign_in_attempts where email = ${key} and tried_at > ${since})::int as by_email,
        (select min(tried_at) from seller_sign_in_attempts where email = ${key} and tried_at > ${since}) as email_oldest,
        (select count(*) from seller_sign_in_attempts where partner_id = ${partnerId} and tried_at > ${since})::int as by_partner,
        (select min(tried_at) from seller_sign_in_attempts where partner_id = ${partnerId} and tried_at > ${since}) as partner_oldest`;
    const full = [counts.by_email >= MAX_TRIES_PER_EMAIL ? counts.email_oldest : null, counts.by_partner >= MAX_TRIES_PER_PARTNER ? counts.partner_oldest : null]
      .filter((d): d is Date => d !== null);
    if (full.length > 0) {
      // When the oldest try that counts leaves the window, one more may be made.
      const freeAt = Math.max(...full.map((d) => d.getTime() + SIGN_IN_WINDOW_MS));
      return { ok: false as const, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - Date.now()) / 1000)) };
    }
    // Tries older than the window count for nothing: the email's and the partner's go as new ones come.
    await tx`delete from seller_sign_in_attempts where (email = ${key} or partner_id = ${partnerId}) and tried_at <= ${since}`;
    const [row] = await tx<{ id: string }[]>`insert into seller_sign_in_attempts (email, partner_id) values (${key}, ${partnerId}) returning id`;
    return { ok: true as const, tryId: row.id };
  });
}

/** A try that signed in: the email's tries are forgotten (a seller who mistyped is not held to them). */
export async function forgetSignInTries(sql: Sql, email: string) {
  await sql`delete from seller_sign_in_attempts where email = ${email.toLowerCase()}`;
}
