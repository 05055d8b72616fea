import type { Queryable } from './database.js';

/**
 * A timestamptz column as JSON built in SQL gives it, in the form every other time Omni answers
 * has (JavaScript's toISOString: 2026-12-05T16:29:27.761Z). json_build_object writes
 * PostgreSQL's own text of it (2026-12-05T16:29:27.761496+00:00).
 */
export const isoTime = (sql: Queryable, column: string) =>
  sql`to_char(${sql(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * An RFC 3339 date-time (checked: isStorableDateTime) as a timestamptz parameter to the
 * microsecond. postgres.js writes a timestamptz parameter through `new Date(…).toISOString()`,
 * which keeps milliseconds: `updatedSince=…24.7489Z` compared as …24.748 and returned products
 * updated before the instant asked (QA; Python's isoformat() sends microseconds). The digits past
 * the millisecond are kept (an offset moves whole minutes, never them) and the UTC text goes as
 * text, which PostgreSQL reads (rounding past the microsecond, as it stores times); the year is
 * JavaScript's UTC one, which PostgreSQL reads where it refuses `0000-12-31T23:59:59-01:00`.
 */
export const exactInstant = (sql: Queryable, dateTime: string) => {
  const fraction = /\d\d:\d\d:\d\d\.(\d+)/.exec(dateTime)?.[1] ?? '';
  const utc = new Date(dateTime).toISOString();
  return sql`${fraction.length > 3 ? `${utc.slice(0, -1)}${fraction.slice(3)}Z` : utc}::text::timestamptz`;
};
