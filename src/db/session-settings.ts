import type { Queryable } from './database.js';

/**
 * The session settings Omni's connections (postgres.js) start with, over whatever the database or
 * the role sets (a client's startup parameters take precedence over ALTER DATABASE / ALTER ROLE …
 * SET): only those a pooler passes on (PgBouncer tracks TimeZone and DateStyle, and refuses the
 * connection for any startup parameter it does not know: "unsupported startup parameter").
 * - TimeZone: day arithmetic on a timestamptz follows it; under a daylight-saving zone a retention
 *   day across a change was 23 or 25 hours.
 * - DateStyle: postgres.js parses a timestamp's text as ISO; under `SQL, DMY` 2026-12-07 read as
 *   July 12th, and from the 13th of a month a batch or a webhook's time was an Invalid Date: 500s,
 *   and no webhook delivered (DBA-settings QA).
 */
export const SESSION_SETTINGS: Readonly<Record<string, string>> = { TimeZone: 'UTC', DateStyle: 'ISO, MDY' };

/**
 * What a database's or role's own settings would break, which a pooler keeps Omni from setting at
 * connection (SESSION_SETTINGS above): every start and command stops on it, naming the fix
 * (src/db/migrate.ts). Sent as startup parameters, they made every connection through PgBouncer
 * fail (a QA of the session's fixes).
 * - bytea_output: postgres.js reads a bytea as hex; under `escape` every stored batch body failed
 *   to decode, and every product batch ended FAILED (BAT_003).
 * - default_transaction_isolation: Omni's transactions are written for READ COMMITTED (row locks,
 *   advisory locks, retries of lost races); under `serializable` concurrent accepts failed 40001
 *   and answered 500.
 */
export async function sessionSettingProblems(sql: Queryable): Promise<string[]> {
  const [row] = await sql<{ bytea_output: string; isolation: string }[]>`
    select current_setting('bytea_output') as bytea_output, current_setting('default_transaction_isolation') as isolation`;
  return [
    ...(row.bytea_output === 'hex' ? [] : [`bytea_output is ${row.bytea_output}, where Omni reads hex: ALTER ROLE … SET bytea_output = 'hex' (or RESET it)`]),
    ...(row.isolation === 'serializable'
      ? ["default_transaction_isolation is serializable, where Omni's transactions are written for read committed: ALTER ROLE … SET default_transaction_isolation = 'read committed' (or RESET it)"]
      : []),
  ];
}
