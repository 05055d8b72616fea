import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import envSchema from 'env-schema';
import type { ErrorObject } from 'ajv';
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** An encryption key as OMNI_ENCRYPTION_KEY and the data folder's encryption.key hold it: base64 of 32 bytes. */
export const ENCRYPTION_KEY_PATTERN = '^[A-Za-z0-9+/]{43}=$';

/**
 * The whole environment, validated once at start. Anything wrong stops the
 * process with one clear message instead of failing later at first use.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  /** External PostgreSQL 15+. When unset, an embedded PostgreSQL runs in OMNI_DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  // Not empty: '' resolved to the working directory, which then got the database cluster and mode 0755.
  OMNI_DATA_DIR: Type.String({ default: './.omni', minLength: 1 }),
  /** Port of the embedded PostgreSQL (kept away from a system server on 5432). */
  OMNI_PG_PORT: Type.Integer({ default: 54329, minimum: 1, maximum: 65535 }),
  /** base64 of 32 bytes; encrypts partner secrets. Generated into OMNI_DATA_DIR when unset. */
  OMNI_ENCRYPTION_KEY: Type.Optional(Type.String({ pattern: ENCRYPTION_KEY_PATTERN })),
  /** Create a demo partner/store on first start (default: only with the embedded database). */
  OMNI_DEMO: Type.Optional(Type.Boolean()),
  PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /**
   * Largest accepted request body, bytes (10 MiB; a 1,000-row catalog request is ~1 MiB). At most
   * 256 MiB: a body is read into one string, and one past V8's longest (536,870,888) failed with a 500, not REQ_003.
   */
  BODY_LIMIT_BYTES: Type.Integer({ default: 10 * 1024 * 1024, minimum: 1024, maximum: 256 * 1024 * 1024 }),
  /**
   * How long a request may take to arrive, headers and body (5 minutes, Node's own default, which
   * Fastify 5 turns off): without it a client sending a body a byte now and then held its
   * connection and up to BODY_LIMIT_BYTES of memory for as long as it liked, before authentication
   * (QA). At most an hour, within Node's timer limit.
   */
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 300000, minimum: 1000, maximum: 3600000 }),
  /**
   * How long a stop (SIGTERM, SIGINT) may wait for the requests in flight and the running jobs:
   * past it the process exits 1 anyway. A database that stopped answering, or a client holding a
   * half-sent body, held it for ever (QA). Under 30 s, an orchestrator's usual grace before SIGKILL.
   */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 25000, minimum: 1000, maximum: 3600000 }),
  /**
   * At most 1,000 (this pool and DB_STATEMENT_POOL_MAX): PostgreSQL's max_connections is 100 by default,
   * and postgres.js builds every connection's state at start (100,000: 726 MiB; 1,000,000: out of memory).
   */
  DB_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 1000 }),
  /**
   * How long opening a database connection may take: the API's request then gives up (SYS_002;
   * postgres.js waited 30 s on a host that drops packets), the job worker counts the database
   * away. The job queue's pg pool bounds each connection's opening only, not the wait for a free
   * one (src/jobs/queue-pool.ts). At most 10 minutes: past Node's timer limit (2^31-1 ms) every
   * connection timed out at once (CONNECT_TIMEOUT), and the database was taken for unreachable.
   */
  DB_CONNECT_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, maximum: 600000 }),
  /** Connections for the API's single statements (credentials, PATCH, a product by id or SKU): few, so they pipeline. */
  DB_STATEMENT_POOL_MAX: Type.Integer({ default: 2, minimum: 1, maximum: 1000 }),
  /**
   * Jobs at once per worker process. At most 100: each idle job slot polls the queue every second
   * (1,000: ~1,000 transactions a second on an idle database), through a queue pool of 10 connections.
   */
  WORKER_CONCURRENCY: Type.Integer({ default: 4, minimum: 1, maximum: 100 }),
  /**
   * Webhook deliveries at once per worker process, beside WORKER_CONCURRENCY's jobs: deliveries
   * wait on partners' receivers (up to WEBHOOK_TIMEOUT_MS each), so they have slots of their own.
   */
  WEBHOOK_CONCURRENCY: Type.Integer({ default: 4, minimum: 1, maximum: 100 }),
  /**
   * Signed Partner API requests one partner may make to one API process in a minute, all its
   * stores together (0: no limit). Past it a request is answered 429 REQ_010 with Retry-After.
   * Counted in each process's memory: N API processes behind a load balancer let a partner make up
   * to N times as many. 6,000: Stripe's 100 a second, taken over a minute so that a burst (a
   * catalog's 100 bulk requests at once) passes.
   */
  PARTNER_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 6000, minimum: 0, maximum: 10_000_000 }),
  /** Rows processed per transaction by the bulk pipeline. */
  BATCH_CHUNK_SIZE: Type.Integer({ default: 1000, minimum: 1, maximum: 10000 }),
  /**
   * A worker silent for this long is presumed dead and its jobs are unlocked for others. At most 4 h:
   * graphile-worker frees a job locked that long itself, and past 5 x Node's timer limit (~124 days;
   * the heartbeat runs each fifth of it) the heartbeat ran every millisecond.
   */
  WORKER_STALE_MS: Type.Integer({ default: 30000, minimum: 1000, maximum: 4 * 3600 * 1000 }),
  /**
   * A job worker that cannot reach the database for this long gives up: it exits with 1 and a
   * message saying so, for its supervisor to start a fresh one (0: it waits for ever). Shorter
   * outages it rides out, resuming within a second of the database's return. At most a week (longer:
   * 0): past Node's timer limit (2^31-1 ms, ~24.8 days) the worker gave up 1 ms into any outage.
   */
  WORKER_MAX_OUTAGE_MS: Type.Integer({ default: 1800000, minimum: 0, maximum: 7 * 24 * 3600 * 1000 }),
  /**
   * `omni serve` and `omni worker` started while the external database (DATABASE_URL) cannot be
   * reached wait for it this long, trying it each second, then exit with 1 (0: they wait for
   * ever). The CLI's one-shot commands do not wait. At most a week (longer: 0): past Node's timer
   * limit (2^31-1 ms, ~24.8 days) they gave up at once ("unreachable for 0.0 s").
   */
  DB_START_TIMEOUT_MS: Type.Integer({ default: 300000, minimum: 0, maximum: 7 * 24 * 3600 * 1000 }),
  /**
   * Webhook delivery: per-attempt timeout, first retry delay (then x4 each time, each delay capped
   * at 6 h where it is computed: src/webhooks/retry-schedule.ts), attempts in all. The timeout at
   * most an hour: graphile-worker unlocks a job locked 4 h, for another worker to send it again, and
   * past Node's timer limit (2^31-1 ms) every attempt timed out at once, before its request went out.
   */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, maximum: 3600000 }),
  WEBHOOK_RETRY_BASE_MS: Type.Integer({ default: 60000, minimum: 10, maximum: 6 * 3600 * 1000 }),
  /** PIM exports: a local folder under OMNI_DATA_DIR unless EXPORT_S3_BUCKET is set (any S3-compatible store). */
  EXPORT_S3_BUCKET: Type.Optional(Type.String({ minLength: 3 })),
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  S3_REGION: Type.String({ default: 'us-east-1', minLength: 1 }),
  /** Both or neither (then the AWS SDK's own chain: AWS_ACCESS_KEY_ID, an instance role, …). */
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: true }),
  EXPORT_URL_TTL_SECONDS: Type.Integer({ default: 900, minimum: 60, maximum: 604800 }),
  /**
   * A finished export's files are deleted this long after it ended (the hourly retention task):
   * every export wrote a whole copy of the catalog, kept for ever (retention QA). Its record stays.
   */
  EXPORT_RETENTION_DAYS: Type.Integer({ default: 30, minimum: 1, maximum: 3650 }),
  /**
   * A finished webhook delivery (SUCCEEDED or EXHAUSTED, no attempt since) is deleted with its
   * attempts this long after it was made, and an event with no delivery left after it too: one
   * event a stock row, kept for ever, grew ~1.2 KB an event an endpoint (retention QA).
   */
  WEBHOOK_LOG_RETENTION_DAYS: Type.Integer({ default: 30, minimum: 1, maximum: 3650 }),
  /** Export notifications by email: smtp://user:pass@host:port (nodemailer), sent from SMTP_FROM. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  SMTP_FROM: Type.String({ default: 'Omni <no-reply@omni.local>', minLength: 1 }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ default: 8, minimum: 1, maximum: 20 }),
  /**
   * An endpoint whose attempts have failed, without a success, for this many hours is disabled
   * when another attempt fails (120: Svix's 5 days); one answered 410 Gone is disabled at once
   * (src/webhooks/endpoint-health.ts). At most a year (8,760): longer is as good as never, and a
   * value past PostgreSQL's integer (make_interval's hours) failed every failed attempt's transaction.
   */
  WEBHOOK_DISABLE_AFTER_FAILING_HOURS: Type.Integer({ default: 120, minimum: 1, maximum: 8760 }),
  /**
   * Deliver webhooks to loopback, private and link-local addresses (src/webhooks/private-targets.ts).
   * Default: only with the embedded database (a developer's machine, a receiver on localhost).
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: Type.Optional(Type.Boolean()),
  /**
   * An Idempotency-Key replays its first response for this long (Stripe's 24 h); then it runs anew.
   * At most a year (8,760): past PostgreSQL's integer (make_interval's hours) or its oldest timestamp
   * (now() minus it), every request with a key failed (SYS_001) and so did the hourly purge.
   */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ default: 24, minimum: 1, maximum: 8760 }),
  /**
   * A completed batch keeps the rows it accepted for this long; its outcomes stay. At most ten years
   * (3,650): past PostgreSQL's integer (make_interval's days) or its oldest timestamp, every hourly purge failed.
   */
  BATCH_BODY_RETENTION_DAYS: Type.Integer({ default: 7, minimum: 1, maximum: 3650 }),
});

export type Env = Static<typeof EnvSchema>;

export interface Config extends Omit<Env, 'OMNI_DEMO' | 'WEBHOOK_ALLOW_PRIVATE_URLS'> {
  WEBHOOK_ALLOW_PRIVATE_URLS: boolean;
  dataDir: string;
  embedded: boolean;
  demo: boolean;
  publicBaseUrl: string;
}

export class ConfigError extends Error {}

/**
 * The integer variables, whose values must be decimal digits only: ajv's coercion took any text
 * JavaScript reads as a number (`PORT=0x50` listened on 80, `1e3` on 1000, ` 80` on 80), and
 * "Infinity" or "1e999" for an integer within any bounds (ajv-validator/ajv#2212).
 */
const INTEGER_VARIABLES = Object.entries(EnvSchema.properties as Record<string, TSchema>).filter(([, s]) => s.type === 'integer').map(([name]) => name);
const DECIMAL_DIGITS = /^[0-9]+$/;
const STRING_VARIABLES = Object.entries(EnvSchema.properties as Record<string, TSchema>).filter(([, s]) => s.type === 'string').map(([name]) => name);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // What env-schema validates: process.env, `env` over it.
  const data: Record<string, string | undefined> = { ...process.env, ...env };
  const malformed = INTEGER_VARIABLES.filter((name) => data[name] !== undefined && !DECIMAL_DIGITS.test(data[name]!));
  const problems = new Map(malformed.map((name) => [name, `${name} must be a whole number (got ${JSON.stringify(data[name])})`]));
  // A text value that is blank, or has white space at an end: S3_REGION=" " or EXPORT_S3_BUCKET="   "
  // passed and failed at first use, OMNI_DATA_DIR=" " made a folder named " ", HOST="localhost "
  // failed only at listen (config QA). A secret is not repeated, nor a value that may hold credentials (user:password@).
  for (const name of STRING_VARIABLES) {
    const value = data[name];
    if (value === undefined || (value.trim() !== '' && value.trim() === value)) continue;
    malformed.push(name);
    problems.set(name, `${name} must not be ${value === '' ? 'empty' : value.trim() === '' ? 'white space alone' : 'padded with white space'}${SECRET.has(name) || value.includes('@') ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
  // Left out of ajv's check, which would coerce them; the other variables' problems are told with theirs.
  for (const name of malformed) delete data[name];
  let parsed: Env | undefined;
  let refusal = '';
  try {
    parsed = envSchema<Env>({ schema: EnvSchema, data, env: false, dotenv: false });
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors;
    refusal = (err as Error).message;
    if (!errors) throw new ConfigError(`Invalid configuration: ${refusal}`);
    for (const [name, clause] of describeProblems(errors, data)) problems.set(name, clause);
  }
  if (problems.size > 0 || !parsed) {
    // In the schema's order, whichever check found them.
    const order = Object.keys(EnvSchema.properties);
    const clauses = [...problems].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([, clause]) => clause);
    throw new ConfigError(`Invalid configuration: ${clauses.join('; ') || refusal}`);
  }
  // An id without its secret signed every export with an empty key; a secret alone was ignored.
  if ((parsed.S3_ACCESS_KEY_ID === undefined) !== (parsed.S3_SECRET_ACCESS_KEY === undefined)) {
    const [set, unset] = parsed.S3_ACCESS_KEY_ID === undefined ? ['S3_SECRET_ACCESS_KEY', 'S3_ACCESS_KEY_ID'] : ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];
    throw new ConfigError(`Invalid configuration: ${unset} must be set with ${set} (set both, or neither for the AWS SDK's own credentials)`);
  }
  if (parsed.DATABASE_URL !== undefined) parsed.DATABASE_URL = withSocketPlaceholderHost(parsed.DATABASE_URL);
  const unparsable = URL_VARIABLES.flatMap((name) => {
    const value = parsed[name];
    const problem = value === undefined ? undefined : (name === 'DATABASE_URL' ? postgresUrlProblem : name === 'PUBLIC_BASE_URL' ? publicUrlProblem : hostUrlProblem)(value);
    // Not repeated when it may hold credentials (user:password@), whatever the variable.
    if (!problem) return [];
    const shown = SECRET.has(name) || value!.includes('@') ? '' : `; got ${JSON.stringify(value)}`;
    return [`${name} must be ${EXPECTED[name]} (${problem}${shown})`];
  });
  if (unparsable.length > 0) throw new ConfigError(`Invalid configuration: ${unparsable.join('; ')}`);
  const dataDir = resolve(parsed.OMNI_DATA_DIR);
  const notFolder = notAFolder(dataDir);
  if (notFolder) throw new ConfigError(`Invalid configuration: OMNI_DATA_DIR must be a folder (${notFolder})`);
  const embedded = !parsed.DATABASE_URL;
  // Both on 127.0.0.1: the second to bind failed as "already in use (another omni serve?)" (config QA).
  if (embedded && parsed.PORT !== 0 && parsed.PORT === parsed.OMNI_PG_PORT) {
    throw new ConfigError(`Invalid configuration: OMNI_PG_PORT must not be PORT (${parsed.PORT}): the embedded PostgreSQL and the API each listen on their own port`);
  }
  return {
    ...parsed,
    dataDir,
    embedded,
    demo: parsed.OMNI_DEMO ?? embedded,
    WEBHOOK_ALLOW_PRIVATE_URLS: parsed.WEBHOOK_ALLOW_PRIVATE_URLS ?? embedded,
    publicBaseUrl: (parsed.PUBLIC_BASE_URL ?? `http://${urlHost(parsed.HOST)}:${parsed.PORT}`).replace(/\/$/, ''),
  };
}

/**
 * Why a data folder cannot be one: a file is there, or in its path (it is made at first use when
 * missing). It failed at first use as `EEXIST: file already exists, mkdir '…'`, naming no variable (QA).
 */
function notAFolder(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : `${dir} is a file`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? `a part of ${dir} is a file` : undefined;
  }
}

/** URLs checked past their scheme: one that does not parse failed at first use, with a message naming no variable. */
/** A HOST as a URL writes it: an IPv6 literal in brackets (`http://::1:8080` is no URL). */
export const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

const URL_VARIABLES = ['DATABASE_URL', 'PUBLIC_BASE_URL', 'S3_ENDPOINT', 'SMTP_URL'] as const;

/**
 * libpq's form of a Unix socket URL without a host, `postgres://user@/db?host=/run/postgresql`
 * (or `postgresql:///db?host=…`, or the folder percent-encoded as the host), with `localhost` put where the host goes: neither WHATWG URL
 * parsing nor postgres.js reads an empty host, and the `host` parameter names the socket anyway
 * (src/db/database.ts: splitSocketHost). README documents the form; it was refused at start (QA).
 */
export function withSocketPlaceholderHost(url: string): string {
  // libpq's other form, the folder percent-encoded where the host goes (`postgres://u@%2Frun%2Fpg/db`):
  // read as a host name, it failed as ENOTFOUND and a start waited for it (QA). Moved to ?host=.
  const encoded = /^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(%2F[^:/?#]*)(.*)$/i.exec(url);
  if (encoded) {
    const [, head, folder, rest] = encoded;
    const query = rest.indexOf('?');
    const withHost = query < 0 ? `${rest}?host=${folder}` : `${rest.slice(0, query)}?host=${folder}&${rest.slice(query + 1)}`;
    return `${head}localhost${withHost}`;
  }
  const emptyHost = /^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(?=[:/?]|$)/i.exec(url);
  if (!emptyHost || !/[?&]host=(?:\/|%2F)/i.test(url)) return url;
  return `${emptyHost[1]}localhost${url.slice(emptyHost[1].length)}`;
}

/** Why Omni's drivers would fail to read the URL (one host; user and password decoded; libpq's sslmode values), if they would. */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function postgresUrlProblem(url: string): string | undefined {
  try {
    const rest = url.slice(url.indexOf('://') + 3).split(/[?/]/)[0];
    const hosts = decodeURIComponent(rest.slice(rest.indexOf('@') + 1));
    // postgres.js takes several hosts (it tries each), but the job queue's driver (node-postgres)
    // and the start's own parsing take one: such a URL stopped the start with "Invalid URL" (review).
    if (hosts.includes(',')) return 'it names one host: several (host1,host2) are not supported; put a proxy or a DNS name in front of them';
    const parsed = new URL(url);
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
    // libpq's modes: postgres.js takes any other word for TLS with verification, so a typo gave a
    // start that waited for a database it took for unreachable, where libpq refuses it (QA).
    const sslmode = parsed.searchParams.get('sslmode');
    if (sslmode !== null && !SSL_MODES.includes(sslmode)) return `its sslmode is one of ${SSL_MODES.join(', ')}, not ${JSON.stringify(sslmode)}`;
    // libpq 16's rule: the system's CAs are trusted for a name they certify, so with a weaker mode any certificate would do.
    if (parsed.searchParams.get('sslrootcert') === 'system' && sslmode !== null && sslmode !== 'verify-full') {
      return `its sslrootcert=system takes sslmode=verify-full (or none, which means it), as libpq's, not ${sslmode}`;
    }
    // libpq's ?port= (src/db/database.ts): one port; a list of them (several hosts) or a word reached the server as a setting it refused.
    const port = parsed.searchParams.get('port');
    if (port !== null && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return `its port parameter is one port number, 1 to 65535, not ${JSON.stringify(port)}`;
    return undefined;
  } catch (err) {
    return `it does not parse: ${(err as Error).message}`;
  }
}

/** A URL with a host: 'http://' or 'http://x y' passed the scheme's pattern. */
function hostUrlProblem(url: string): string | undefined {
  try {
    return new URL(url).hostname ? undefined : 'it names no host';
  } catch (err) {
    return `it does not parse: ${(err as Error).message}`;
  }
}

/**
 * The base of every link Omni hands out, a path appended to it: with a query or a fragment the
 * onboarding link read `…?x=1#frag/onboard/<sid>`, and a user and password went into every link
 * (config QA).
 */
function publicUrlProblem(url: string): string | undefined {
  const problem = hostUrlProblem(url);
  if (problem) return problem;
  const parsed = new URL(url);
  if (parsed.username || parsed.password) return 'it holds no user or password';
  if (parsed.search || parsed.hash || url.includes('?') || url.includes('#')) return 'it has no query or fragment: a path is appended to it';
  return undefined;
}

/**
 * The start's warning when the links Omni hands out (onboarding pages, export downloads, the
 * OpenAPI document's server) would name an address that listens on every interface, which no
 * browser or partner can be sent to: HOST=0.0.0.0, a container's usual setting, without
 * PUBLIC_BASE_URL gave `http://0.0.0.0:8080/onboard/…` links without a word (config QA).
 */
export function wildcardHostWarning(config: Pick<Config, 'HOST' | 'PUBLIC_BASE_URL' | 'publicBaseUrl'>): string | undefined {
  if (config.PUBLIC_BASE_URL !== undefined || !['0.0.0.0', '::', '[::]'].includes(config.HOST)) return undefined;
  return `HOST is ${config.HOST} and PUBLIC_BASE_URL is unset: the links Omni hands out (onboarding pages, export downloads, the OpenAPI document's server) `
    + `say ${config.publicBaseUrl}, which no browser or partner reaches; set PUBLIC_BASE_URL to the address they use (https://omni.example.com)`;
}

/** What a variable checked by a pattern must hold, in words (ajv would print the pattern). */
const EXPECTED: Partial<Record<keyof Env, string>> = {
  DATABASE_URL: 'a postgres:// or postgresql:// URL',
  OMNI_ENCRYPTION_KEY: 'base64 of 32 bytes, 44 characters (e.g. `openssl rand -base64 32`)',
  PUBLIC_BASE_URL: 'an http:// or https:// URL',
  S3_ENDPOINT: 'an http:// or https:// URL',
  SMTP_URL: 'an smtp:// or smtps:// URL (smtp://user:pass@host:port)',
};
/** Variables whose value a message never repeats: they may hold a password or a key. */
const SECRET = new Set(['DATABASE_URL', 'OMNI_ENCRYPTION_KEY', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'SMTP_URL']);

/**
 * One clause per wrong variable, e.g. `LOG_LEVEL must be one of fatal, …, silent (got "verbose")`.
 * ajv reports a union of literals as one error per literal plus one for the union, and a
 * pattern as the regular expression itself.
 */
function describeProblems(errors: ErrorObject[], env: Record<string, string | undefined>): Map<string, string> {
  const clauses = new Map<string, string>();
  for (const e of errors) {
    const name = e.instancePath.replace(/^\//, '');
    if (!name || clauses.has(name)) continue;
    const schema = (EnvSchema.properties as Record<string, TSchema>)[name];
    // Not repeated when it may hold credentials (user:password@), as the URL check below (QA: s3://key:secret@host was echoed).
    const got = SECRET.has(name) || env[name]?.includes('@') ? '' : ` (got ${JSON.stringify(env[name])})`;
    clauses.set(name, `${name} ${expectation(name as keyof Env, schema, e)}${got}`);
  }
  return clauses;
}

function expectation(name: keyof Env, schema: TSchema, e: ErrorObject): string {
  if (EXPECTED[name]) return `must be ${EXPECTED[name]}`;
  if (schema.anyOf) return `must be one of ${(schema.anyOf as TSchema[]).map((s) => s.const).join(', ')}`;
  if (e.keyword === 'minLength') return e.params.limit === 1 ? 'must not be empty' : `must have at least ${e.params.limit} characters`;
  if (e.keyword === 'type') return e.params.type === 'boolean' ? 'must be true or false' : `must be ${e.params.type === 'integer' ? 'a whole number' : e.params.type}`;
  return e.message ?? 'is invalid';
}
