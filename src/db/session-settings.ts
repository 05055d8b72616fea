/**
 * The session settings every connection of Omni's starts with, over whatever the database or the
 * role sets (a client's startup parameters take precedence over ALTER DATABASE / ALTER ROLE … SET):
 * the drivers read their answers, and Omni's SQL is written, for these (DBA-settings QA).
 * - TimeZone: day arithmetic on a timestamptz follows it; under a daylight-saving zone a retention
 *   day across a change was 23 or 25 hours.
 * - DateStyle: both drivers parse a timestamp's text as ISO; under `SQL, DMY` 2026-12-07 read as
 *   July 12th, and from the 13th of a month a batch or a webhook's time was an Invalid Date: 500s,
 *   and no webhook delivered.
 * - bytea_output: postgres.js reads a bytea as hex; under `escape` every stored batch body failed
 *   to decode, and every product batch ended FAILED (BAT_003).
 * - default_transaction_isolation: Omni's transactions are written for READ COMMITTED (row locks,
 *   advisory locks, retries of lost races); under `serializable` concurrent accepts failed 40001
 *   and answered 500.
 * - idle_session_timeout: the pools close their own idle connections (after 60 s), and the job
 *   queue's LISTEN connection is idle by design; under `3s` it was cut every 3 seconds, the worker
 *   logged two errors each time, and jobs added meanwhile waited for the next poll.
 */
export const SESSION_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, MDY',
  bytea_output: 'hex',
  default_transaction_isolation: 'read committed',
  idle_session_timeout: '0',
};

/**
 * The same as libpq's `options` (`-c name=value`, white space escaped): how the job queue's driver,
 * pg, sends them. `given` is the URL's own `options`, kept after them, so a setting it names wins.
 */
export function sessionOptions(given?: string | null) {
  const ours = Object.entries(SESSION_SETTINGS).map(([name, value]) => `-c ${name}=${value.replace(/[\\ ]/g, (c) => `\\${c}`)}`);
  return [...ours, ...(given ? [given] : [])].join(' ');
}
