import postgres from 'postgres';

/** postgres.js's own codes for a connection that failed, closed or timed out (src/errors.js there). */
const DRIVER_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT']);

/**
 * SQLSTATEs a server that is going away, not yet back or full sends: class 08 (connection
 * exception), admin_shutdown, crash_shutdown (another backend crashed, this one is being
 * reset), cannot_connect_now ("the database system is starting up" / "in recovery"), and
 * too_many_connections (max_connections reached, or a role's or database's connection limit:
 * a request answered 500 SYS_001, and a worker started then exited at once; deployment QA).
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** idle_session_timeout: the server closed a connection idle that long. */
const IDLE_SESSION_TIMEOUT = '57P05';

/**
 * 55000 is object_not_in_prerequisite_state, which ordinary statements raise too; it is the
 * database's absence only as "database … is not currently accepting connections" (ALTER DATABASE
 * … ALLOW_CONNECTIONS false, as an operator's maintenance sets it): a worker with jobs running
 * then crashed, its records of their outcomes refused (QA).
 */
const notAcceptingConnections = (code: string, err: object) => code === '55000'
  // The routine that raises it, which lc_messages does not translate (review), or its English text.
  && ((err as { routine?: unknown }).routine === 'CheckMyDatabase' || /not currently accepting connections/.test(String((err as { message?: unknown }).message)));

/**
 * The server refusing the connection itself: the role's password or authentication (class 28:
 * the password changed, the role NOLOGIN, pg_hba rejecting), the database gone (3D000), or CONNECT
 * revoked (42501 raised by CheckMyDatabase, as the 55000 above; the same code for a table's grant is
 * a query's). A request then answered 500 SYS_001 where /ready answered 503 SYS_002, and a worker
 * never counted the outage (least-privilege QA): the database is unavailable to us until an
 * operator mends the role, as for the other refusals of a connection. Not at a start, which
 * stops at once with the server's reason (wait-at-start.ts): no wait mends a role.
 */
export const isConnectionRefused = (err: unknown) => typeof (err as { code?: unknown } | null)?.code === 'string' && connectionRefused((err as { code: string }).code, err as object);
const connectionRefused = (code: string, err: object) => code.startsWith('28') || code === '3D000'
  // By the routine alone: a `create schema` refused for the database's CREATE says "permission denied for database" too (review).
  || (code === '42501' && (err as { routine?: unknown }).routine === 'CheckMyDatabase');

/** Socket errors of a connection to a server that is not there (any more). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a query failed because the database could not be reached (down, restarting,
 * recovering), rather than because of the query: such a request may succeed unchanged once it
 * is back, so the client is told SYS_002 (503, retry) instead of SYS_001 (500, a bug). A socket
 * error counts only when it carries the query postgres.js failed (its queryError adds `query`):
 * an ENOENT from reading a file, or a refused S3 connection, is not the database's.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (err instanceof postgres.PostgresError) return code.startsWith('08') || SERVER_CODES.has(code) || notAcceptingConnections(code, err) || connectionRefused(code, err);
  if (DRIVER_CODES.has(code)) return true;
  return SOCKET_CODES.has(code) && 'query' in err;
}

/**
 * The same for the job queue's driver (pg), on connecting: a socket error, a server going away
 * or not yet back, an opening that timed out (CONNECT_TIMEOUT, src/jobs/queue-pool.ts), or pg's
 * own "Connection terminated unexpectedly" and "Client has encountered a connection error and
 * is not queryable" (no code).
 */
export function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    return SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08') || code === 'CONNECT_TIMEOUT' || notAcceptingConnections(code, err) || connectionRefused(code, err)
      // A DBA's idle_session_timeout closing an idle connection (the queue's LISTEN one): logged as an error each time (DBA-settings QA).
      || code === IDLE_SESSION_TIMEOUT;
  }
  return /Connection terminated|connection error and is not queryable/i.test(err.message);
}

/**
 * A server that is up but has no connection left for us (53300): a request answers SYS_002 and a
 * start waits for it, as for a database away, but a running worker does not count it as an outage
 * (review): one more connection refused by a full server is not the database gone, and the outage
 * would hold every queue connection behind a probe and start WORKER_MAX_OUTAGE_MS's clock.
 */
export const isServerFull = (err: unknown) => (err as { code?: unknown } | null)?.code === '53300';

/**
 * How long a probe of the database waits for its answer: /ready's, and the work gauges' at each
 * /metrics scrape. A query sent on an open connection to a server that stopped answering (a frozen
 * host, a network path dropping packets) waited without end, and so did the scrape and the
 * readiness check (QA); postgres.js bounds only the opening of a connection (DB_CONNECT_TIMEOUT_MS,
 * 10 s by default: Prometheus's default scrape timeout).
 */
export const PROBE_TIMEOUT_MS = 3000;

/** `work`'s answer, or an error (code PROBE_TIMEOUT) once `ms` have passed without it; its late end is ignored. */
export async function answeredWithin<T>(work: PromiseLike<T>, ms = PROBE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`the database did not answer within ${ms / 1000} s`), { code: 'PROBE_TIMEOUT' })), ms);
  });
  const answer = Promise.resolve(work);
  answer.catch(() => {});
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
