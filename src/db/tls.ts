import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { userInfo } from 'node:os';

/** libpq's sslmode values (config.ts refuses any other). */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** libpq's TLS parameters of a URL, which Omni reads itself and neither driver is given. */
const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'];

export interface DatabaseTls {
  /** The URL without its TLS parameters: postgres.js sends a parameter it does not know to the server as a setting, which refuses it. */
  url: string;
  /** The URL's sslmode; none is no TLS (not libpq's `prefer`: Omni's drivers never encrypted without one). */
  mode: SslMode | null;
  /**
   * The TLS options of a connection that must be encrypted, or null for none; `prefer` and
   * `allow` encrypt without verifying when the server offers TLS (postgres.js falls back to a
   * plain connection itself; `pg` cannot, see queueConnection).
   */
  options: ConnectionOptions | null;
}

/**
 * The TLS of a database URL as libpq reads it, for both of Omni's drivers alike: postgres.js
 * (the API, the CLI, the migrations) and pg (the job queue). Each read it its own way: pg took
 * `require` and `verify-ca` for `verify-full` (with a warning on stderr), so a worker refused a
 * managed database's certificate that the API took, and neither read `sslrootcert`, the CA file
 * such a database names (least-privilege QA). libpq's rules:
 * - `require`: encrypted, the certificate not checked, unless `sslrootcert` names a CA, which it
 *   must then be signed by (`verify-ca`'s check);
 * - `verify-ca`: signed by `sslrootcert`'s CA (the system's CAs without one), whatever its name;
 * - `verify-full`: also issued to the URL's host, a name or an IP address (postgres.js checked an
 *   IP address against "localhost");
 * - `sslcert`, `sslkey`: a client certificate.
 */
export function databaseTls(connectionString: string): DatabaseTls {
  const url = new URL(connectionString);
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const [rootCert, cert, key] = ['sslrootcert', 'sslcert', 'sslkey'].map(param);
  // libpq 16's sslrootcert=system: the system's CAs, and verify-full unless named (config.ts refuses a weaker mode with it).
  const mode = (param('sslmode') ?? (rootCert === 'system' ? 'verify-full' : null)) as SslMode | null;
  for (const name of TLS_PARAMETERS) url.searchParams.delete(name);
  const stripped = url.toString();
  // A Unix socket is never encrypted, whatever sslmode says (libpq ignores it there; a start stopped on "SSL was required": review).
  const socket = url.searchParams.get('host')?.startsWith('/') ?? false;
  if (mode === null || mode === 'disable' || socket) return { url: stripped, mode, options: null };
  const read = (file: string | undefined, name: string) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`DATABASE_URL's ${name} cannot be read: ${(err as Error).message}`);
    }
  };
  // libpq's "system": the system's CAs, as without a file.
  const ca = rootCert === 'system' ? undefined : read(rootCert, 'sslrootcert');
  const client = { ...(cert ? { cert: read(cert, 'sslcert') } : {}), ...(key ? { key: read(key, 'sslkey') } : {}) };
  const anyName = () => undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: ConnectionOptions = mode === 'verify-full'
    ? { ...client, ca, rejectUnauthorized: true, checkServerIdentity: (_name, peer) => checkServerIdentity(host, peer) }
    : mode === 'verify-ca' || (mode === 'require' && ca !== undefined)
      ? { ...client, ca, rejectUnauthorized: true, checkServerIdentity: anyName }
      : { ...client, rejectUnauthorized: false };
  return { url: stripped, mode, options };
}

/**
 * postgres.js's `ssl` option for a URL's TLS: the options, naming their mode, which
 * patches/postgres+3.4.9.patch reads for a server without TLS: `prefer` and `allow` fall back to a
 * plain connection (its own string 'prefer' did, but took no client certificate: review), the others
 * are refused "… SSL was required (sslmode=verify-ca)".
 */
export function postgresSsl(tls: DatabaseTls): false | ConnectionOptions {
  if (!tls.options) return false;
  return { ...tls.options, sslmode: tls.mode } as ConnectionOptions;
}

/**
 * How the job queue's driver (pg) reaches the database of `connectionString`: the URL without its
 * TLS parameters and pg's `ssl`. pg has no fallback to a plain connection: under `prefer` or
 * `allow` one connection is tried with TLS first, and a server that answers it has none is reached
 * plainly (libpq's `prefer` also goes plain when a TLS connection is refused, and its `allow` tries
 * plain first; neither driver here does: name the mode the server takes). (The server's pg_stat_ssl was read instead: behind a pooler or
 * proxy that ends TLS it said false, and the queue went plain where the API was encrypted, or
 * failed where the proxy wanted TLS: review.)
 */
export async function queueConnection(connectionString: string, connectTimeoutMs = 10_000): Promise<{ connectionString: string; ssl: false | ConnectionOptions }> {
  const tls = databaseTls(connectionString);
  // A URL without a user: the system user's name, as postgres.js and libpq take it. pg reads $USER,
  // which a container or a bare systemd unit does not set: the worker's queue then sent no user
  // ("no PostgreSQL user name specified in startup packet") where the API's connections worked (config QA).
  // In the URL: pg takes a URL's user, even an empty one, over its `user` option.
  const url = new URL(tls.url);
  const user = !url.username && !process.env.PGUSER ? systemUser() : undefined;
  if (user) {
    // A socket URL without a host (libpq's `postgres:///db?host=/dir`) takes no user until it has one; `?host=` still names the socket.
    if (!url.hostname) url.hostname = 'localhost';
    url.username = encodeURIComponent(user);
  }
  const plain = { connectionString: user ? url.toString() : tls.url, ssl: false as const };
  if (!tls.options) return plain;
  const encrypted = { ...plain, ssl: tls.options };
  if (tls.mode !== 'prefer' && tls.mode !== 'allow') return encrypted;
  const { default: pg } = await import('pg');
  const probe = new pg.Client({ ...encrypted, connectionTimeoutMillis: connectTimeoutMs });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return encrypted;
  } catch (err) {
    if (/does not support SSL/i.test((err as Error).message)) return plain;
    // pg's own timeout has no code: as the queue's pool tells it (queue-pool.ts), so that a start
    // waits for a database that stopped answering rather than exiting (review).
    if (!(err as { code?: unknown }).code && /timeout/i.test((err as Error).message)) Object.assign(err as object, { code: 'CONNECT_TIMEOUT' });
    throw err;
  } finally {
    await probe.end().catch(() => {});
  }
}

/** The system user's name, as postgres.js takes it for a URL without one. */
function systemUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME;
  }
}
