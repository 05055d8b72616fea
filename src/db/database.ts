import postgres from 'postgres';
import type { Config } from '../config.js';
import { databaseTls, postgresSsl } from './tls.js';
import { SESSION_SETTINGS } from './session-settings.js';

export type Sql = postgres.Sql<{}>;
/** A transaction or a connection: anything that runs tagged-template queries. */
export type Queryable = postgres.Sql<{}> | postgres.TransactionSql<{}>;
export type Transaction = postgres.TransactionSql<{}>;

export interface Database {
  sql: Sql;
  /** A small pool for the single statements of request handling (DB_STATEMENT_POOL_MAX): see AppDeps.statements. */
  statements: Sql;
  connectionString: string;
  /** Ends the pools, letting queries in flight finish for up to `graceSeconds` (5), then stops an embedded server. */
  close(graceSeconds?: number): Promise<void>;
  /** The process is stopping: an embedded server that ends is not started again (src/db/embedded.ts). */
  holdRestarts(): void;
}

/**
 * libpq's `?host=/directory` (a Unix socket, as the embedded server is reached)
 * becomes postgres.js's host option: left in the URL, postgres.js would send it to
 * the server as a setting, which the server refuses.
 */
export function splitSocketHost(connectionString: string): { url: string; host?: string } {
  const url = new URL(connectionString);
  // libpq's `?port=` too, which names the socket's file (`.s.PGSQL.<port>`) as a TCP port: postgres.js
  // took the URL's port or 5432, and so could reach another server's socket in the same folder (QA).
  const port = url.searchParams.get('port');
  if (port !== null && /^[0-9]+$/.test(port)) {
    url.searchParams.delete('port');
    url.port = port;
  }
  const host = url.searchParams.get('host');
  if (!host?.startsWith('/')) return { url: port === null ? connectionString : url.toString() };
  url.searchParams.delete('host');
  return { url: url.toString(), host };
}

/** The default of DB_CONNECT_TIMEOUT_MS (config.ts), for connections opened outside the service (CLI, tests). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** How long a pooled connection may stay idle before it is closed. */
export const IDLE_TIMEOUT_SECONDS = 60;

/**
 * An IPv6 address's host and port (`postgres://u@[::1]:5432/db`) as postgres.js's options: it reads
 * a URL's host as what comes before the first colon, `[`, and never connected (QA; libpq and pg
 * read it). Given as arrays, they are taken as they are (its types say a string and a number: a
 * string is split at its colons).
 */
function bracketedHost(connectionString: string): { host: string; port: number } | undefined {
  const url = new URL(connectionString);
  if (!url.hostname.startsWith('[')) return undefined;
  const [host, port] = [[url.hostname.slice(1, -1)], [Number(url.port || process.env.PGPORT || 5432)]];
  return { host: host as unknown as string, port: port as unknown as number };
}

export function connect(connectionString: string, max = 10, settings: Record<string, string> = {}, connectTimeoutMs = CONNECT_TIMEOUT_MS): Sql {
  const { url, host } = splitSocketHost(connectionString);
  // libpq's TLS parameters read by Omni, for both drivers alike (tls.ts).
  const tls = databaseTls(url);
  return postgres(tls.url, {
    ...(host ? { host } : bracketedHost(tls.url) ?? {}),
    // Never over a Unix socket, as libpq (databaseTls says so for a URL that still holds ?host=).
    ssl: host ? false : postgresSsl(tls),
    max,
    connect_timeout: connectTimeoutMs / 1000,
    // A connection idle this long is closed (postgres.js keeps them for ever by default): a worker
    // that had a busy minute held its pool's connections of PostgreSQL's max_connections for the
    // process's life (deployment QA; README, Running in production, sums them).
    idle_timeout: IDLE_TIMEOUT_SECONDS,
    onnotice: () => {},
    // bigint counts come back as JS numbers; ids are uuids and never overflow.
    types: { bigint: postgres.BigInt },
    transform: { undefined: null },
    // UTC and ISO dates, whatever the database or the role sets (session-settings.ts).
    connection: { application_name: 'omni', ...SESSION_SETTINGS, ...settings },
  });
}

/**
 * The pool of the API's single statements (AppDeps.statements): each finds rows by a
 * store and a key, and plans generically. A plan made for the store's id, on statistics
 * taken before the store had its products, estimates the store at one row, and then any
 * (store_id, …) index looks as good as the key's: a product read by id on such statistics
 * scanned the store's 30,000 rows through the lower(sku) index (13-14 ms), where the
 * generic plan, which estimates the store at the average store's share, takes the key's
 * index (0.06 ms). PostgreSQL otherwise keeps custom plans when they look cheaper.
 */
export function connectStatements(connectionString: string, max: number, connectTimeoutMs = CONNECT_TIMEOUT_MS): Sql {
  return connect(connectionString, max, { plan_cache_mode: 'force_generic_plan' }, connectTimeoutMs);
}

/** Opens the configured database: DATABASE_URL, or the embedded server in the data folder. */
export async function openDatabase(config: Config, log?: (line: string) => void,
  alert?: (level: 'error' | 'info', message: string) => void): Promise<Database> {
  let connectionString = config.DATABASE_URL;
  let stopEmbedded = async () => {};
  let holdRestarts = () => {};
  if (!connectionString) {
    // Loaded only here: a process on an external database never carries the embedded server's package.
    const { startEmbeddedPostgres, embeddedMaxConnections } = await import('./embedded.js');
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.OMNI_PG_PORT, log, alert, maxConnections: embeddedMaxConnections(config) });
    connectionString = embedded.connectionString;
    stopEmbedded = embedded.stop;
    holdRestarts = embedded.holdRestarts;
  }
  const sql = connect(connectionString, config.DB_POOL_MAX, {}, config.DB_CONNECT_TIMEOUT_MS);
  const statements = connectStatements(connectionString, config.DB_STATEMENT_POOL_MAX, config.DB_CONNECT_TIMEOUT_MS);
  return {
    sql,
    statements,
    connectionString,
    holdRestarts: () => holdRestarts(),
    async close(graceSeconds = 5) {
      await Promise.all([sql.end({ timeout: graceSeconds }), statements.end({ timeout: graceSeconds })]);
      await stopEmbedded();
    },
  };
}
