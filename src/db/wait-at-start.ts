import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database, Sql } from './database.js';
import { isConnectionRefused, isDatabaseUnavailable } from './unavailable.js';

/** How often a process starting without its database tries it again: it starts within this of the database's return. */
export const START_PROBE_MS = 1000;

/**
 * Name lookups that fail, at start only: a Compose service's or a Kubernetes pod's name may
 * resolve only once its container runs. (A running process that loses its database keeps
 * isDatabaseUnavailable's list: it did reach that host.) A misspelt host then waits too, but
 * its first line names the lookup that failed.
 */
const NAME_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/** Whether a first query failed because the database is not (yet) there, rather than because it refused us. */
export function isUnreachableAtStart(err: unknown): boolean {
  // A server refusing our role or database answered: waiting would not mend it.
  if (isConnectionRefused(err)) return false;
  if (isDatabaseUnavailable(err)) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NAME_CODES.has(code) && 'query' in (err as object);
}

/** host:port (or the Unix socket) of a database URL, for a log line: never its user or password. */
export function databaseAddress(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || '5432';
    const socketDir = u.searchParams.get('host');
    return socketDir?.startsWith('/') ? `${socketDir}/.s.PGSQL.${port}` : `${u.hostname}:${port}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** What the wait ends with when the database stayed unreachable for DB_START_TIMEOUT_MS. */
export class DatabaseStartTimeout extends Error {}

export interface WaitOptions {
  /** Connects (one query): resolves once the database answers. */
  probe: () => Promise<unknown>;
  probeMs: number;
  /** A wait this long ends in DatabaseStartTimeout (0: never). */
  timeoutMs: number;
  /** Ends the wait at once (SIGTERM): resolves false. */
  signal: AbortSignal;
  onDown: (err: unknown) => void;
  onUp: (waitedMs: number) => void;
  onTimeout: (waitedMs: number, lastError: unknown) => DatabaseStartTimeout;
}

type Ended = { ended: 'aborted' | 'timeout' };

/**
 * Probes until the database answers (true), the signal aborts (false) or timeoutMs passes
 * (throws onTimeout's error). A probe that fails otherwise than unreachable (a wrong password,
 * no such database) throws its error at once, as a start always did. A probe in flight is not
 * waited for when the wait ends: on a host that drops packets it could take DB_CONNECT_TIMEOUT_MS.
 */
export async function waitForDatabase(opts: WaitOptions): Promise<boolean> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const ended = new Promise<Ended>((resolve) => {
    onAbort = () => resolve({ ended: 'aborted' });
    if (opts.signal.aborted) onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs > 0) timer = setTimeout(() => resolve({ ended: 'timeout' }), opts.timeoutMs);
  });
  let lastError: unknown;
  let down = false;
  try {
    for (;;) {
      const probed = opts.probe().then(() => ({ up: true as const }), (err: unknown) => ({ up: false as const, err }));
      const outcome = await Promise.race([probed, ended]);
      if ('ended' in outcome) return end(outcome);
      if (outcome.up) {
        if (down) opts.onUp(Date.now() - started);
        return true;
      }
      if (!isUnreachableAtStart(outcome.err)) throw outcome.err;
      lastError = outcome.err;
      if (!down) opts.onDown(outcome.err);
      down = true;
      const paused = await Promise.race([new Promise<null>((r) => setTimeout(r, opts.probeMs, null)), ended]);
      if (paused) return end(paused);
    }
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
  }

  function end({ ended: why }: Ended): false {
    if (why === 'aborted') return false;
    throw opts.onTimeout(Date.now() - started, lastError);
  }
}

/** A duration for a log line: `2.5 s`, `300 s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * `omni serve` and `omni worker` on an external database that is not up yet (Compose, systemd,
 * Kubernetes start the app and the database side by side): one line when it is found
 * unreachable, one probe a second, one line when it answers, after which the start goes on as
 * before. Past DB_START_TIMEOUT_MS (unless 0) it throws DatabaseStartTimeout; resolves false
 * when the signal (SIGTERM, SIGINT) ends the wait.
 */
export function waitForDatabaseAtStart(sql: Sql, config: Config, logger: Logger, signal: AbortSignal): Promise<boolean> {
  const address = databaseAddress(config.DATABASE_URL ?? '');
  const timeoutMs = config.DB_START_TIMEOUT_MS;
  return waitForDatabase({
    probe: () => sql`select 1`,
    probeMs: START_PROBE_MS,
    timeoutMs,
    signal,
    onDown: (err) => logger.warn({ address, code: (err as { code?: unknown }).code },
      `database unreachable at ${address} (${messageOf(err)}); waiting for it, one attempt a second${timeoutMs > 0 ? ` (giving up after ${seconds(timeoutMs)}, DB_START_TIMEOUT_MS)` : ''}`),
    onUp: (waitedMs) => logger.info({ address, waitedMs }, `database reachable at ${address} after ${seconds(waitedMs)}; starting`),
    onTimeout: (waitedMs, err) => new DatabaseStartTimeout(
      `database unreachable at ${address} for ${seconds(waitedMs)} (DB_START_TIMEOUT_MS=${timeoutMs}); giving up, exit 1 (last error: ${messageOf(err)})`),
  });
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Waits for an external database that is not up yet (`omni serve`, `omni worker`, `omni migrate
 * --wait`). SIGTERM or SIGINT meanwhile ends the process at once with 0, and DB_START_TIMEOUT_MS
 * with 1 and one fatal line: nothing but the pools' connection attempts was started (no embedded
 * server to stop, no probe worth waiting for), and those end with the process. Any other failure
 * (a wrong password, no such database) is thrown, as a start's failure always was.
 */
export async function waitForExternalDatabase(db: Database, config: Config, logger: Logger): Promise<void> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    if (await waitForDatabaseAtStart(db.sql, config, logger, abort.signal)) return;
    logger.info('stopped while waiting for the database');
    process.exit(0);
  } catch (err) {
    if (!(err instanceof DatabaseStartTimeout)) throw err;
    sayFatal(logger, err.message);
    process.exit(1);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

/**
 * The reason a process ends with 1, at fatal; on stderr too when LOG_LEVEL=silent (or anything
 * else that drops fatal lines) would leave none: it exited without a word (config QA), where every
 * other start failure says `error: …` on stderr.
 */
export function sayFatal(logger: Logger, message: string, err?: unknown) {
  if (err === undefined) logger.fatal(message);
  else logger.fatal({ err }, message);
  if (!logger.isLevelEnabled('fatal')) process.stderr.write(`error: ${message}${err instanceof Error ? `: ${err.message}` : ''}\n`);
}
