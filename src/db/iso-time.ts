import type { Queryable } from './database.js';

/**
 * A timestamptz column as JSON built in SQL gives it, in the form every other time Omni answers
 * has (JavaScript's toISOString: 2026-12-05T16:29:27.761Z). json_build_object writes
 * PostgreSQL's own text of it (2026-12-05T16:29:27.761496+00:00).
 */
export const isoTime = (sql: Queryable, column: string) =>
  sql`to_char(${sql(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
