import type { Sql } from '../db/database.js';
import { deleteInChunks } from '../db/chunked-delete.js';

/** How long after it expired an unclaimed onboarding session is kept (its link then answers "does not exist"). */
export const SESSION_RETENTION_DAYS = 7;
const SESSIONS_PER_STATEMENT = 1000;

/**
 * Deletes the onboarding sessions that expired more than a week ago and were never claimed (a
 * claimed one is the record of a store's authorization, store_authorizations.session_id): they
 * were kept for ever, a partner can open them at will, and the seller's steps read through them
 * (retention QA). A link that old then answers 404 "Link not valid" and its claim ONB_001, where
 * they said it expired. A few thousand a statement, each its own transaction.
 */
export async function purgeExpiredSessions(sql: Sql): Promise<number> {
  return deleteInChunks(sql, 'onboard_sessions',
    sql`status <> 'CLAIMED' and expires_at < now() - make_interval(days => ${SESSION_RETENTION_DAYS})`, SESSIONS_PER_STATEMENT);
}
