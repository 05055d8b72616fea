import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wildcardHostWarning, loadConfig } from './config.js';

const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('loadConfig', () => {
  it('names each wrong variable once, in words, with the value it got', () => {
    expect(problem({ PORT: 'abc' })).toBe('Invalid configuration: PORT must be a whole number (got "abc")');
    expect(problem({ PORT: '70000' })).toBe('Invalid configuration: PORT must be <= 65535 (got "70000")');
    expect(problem({ LOG_LEVEL: 'verbose' }))
      .toBe('Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")');
    expect(problem({ OMNI_DEMO: 'maybe' })).toBe('Invalid configuration: OMNI_DEMO must be true or false (got "maybe")');
    expect(problem({ PUBLIC_BASE_URL: 'example.com' })).toBe('Invalid configuration: PUBLIC_BASE_URL must be an http:// or https:// URL (got "example.com")');
    expect(problem({ PORT: 'x', WORKER_CONCURRENCY: '0' }))
      .toBe('Invalid configuration: PORT must be a whole number (got "x"); WORKER_CONCURRENCY must be >= 1 (got "0")');
    expect(problem({ WEBHOOK_DISABLE_AFTER_FAILING_HOURS: '0' }))
      .toBe('Invalid configuration: WEBHOOK_DISABLE_AFTER_FAILING_HOURS must be >= 1 (got "0")');
    expect(problem({ WEBHOOK_DISABLE_AFTER_FAILING_HOURS: '8761' }))
      .toBe('Invalid configuration: WEBHOOK_DISABLE_AFTER_FAILING_HOURS must be <= 8760 (got "8761")');
  });

  it('refuses an OMNI_DATA_DIR that is a file or lies under one, naming it (it failed at first use with EEXIST)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-config-'));
    try {
      const file = join(dir, 'f');
      writeFileSync(file, '');
      expect(problem({ OMNI_DATA_DIR: file })).toBe(`Invalid configuration: OMNI_DATA_DIR must be a folder (${file} is a file)`);
      expect(problem({ OMNI_DATA_DIR: join(file, 'data') })).toBe(`Invalid configuration: OMNI_DATA_DIR must be a folder (a part of ${join(file, 'data')} is a file)`);
      // A folder that does not exist yet is made at first use.
      expect(loadConfig({ OMNI_DATA_DIR: join(dir, 'new') }).dataDir).toBe(join(dir, 'new'));
    } finally { rmSync(dir, { recursive: true }); }
  });

  // Each past its bound broke something at run time: see the comment on each in config.ts.
  it.each([
    ['BODY_LIMIT_BYTES', 268435456], ['DB_POOL_MAX', 1000], ['DB_STATEMENT_POOL_MAX', 1000], ['DB_CONNECT_TIMEOUT_MS', 600000],
    ['WORKER_CONCURRENCY', 100], ['WORKER_STALE_MS', 14400000], ['WORKER_MAX_OUTAGE_MS', 604800000], ['DB_START_TIMEOUT_MS', 604800000],
    ['WEBHOOK_TIMEOUT_MS', 3600000], ['IDEMPOTENCY_KEY_TTL_HOURS', 8760], ['BATCH_BODY_RETENTION_DAYS', 3650], ['REQUEST_TIMEOUT_MS', 3600000],
  ] as const)('refuses %s past %i, naming it and the bound, and accepts the bound itself', (name, max) => {
    expect(problem({ [name]: String(max + 1) })).toBe(`Invalid configuration: ${name} must be <= ${max} (got "${max + 1}")`);
    // Node's timers took 2^31 ms for 1 ms.
    expect(problem({ [name]: '2147483648' })).toBe(`Invalid configuration: ${name} must be <= ${max} (got "2147483648")`);
    expect(loadConfig({ [name]: String(max) })[name]).toBe(max);
  });

  it('refuses an infinite number, which ajv takes for a whole number within any bounds', () => {
    for (const [name, value] of [['BODY_LIMIT_BYTES', 'Infinity'], ['WEBHOOK_DISABLE_AFTER_FAILING_HOURS', '1e999'], ['PORT', '-Infinity'], ['WEBHOOK_RETRY_BASE_MS', 'Infinity']]) {
      expect(problem({ [name]: value })).toBe(`Invalid configuration: ${name} must be a whole number (got "${value}")`);
    }
    expect(problem({ DB_POOL_MAX: 'Infinity', WORKER_STALE_MS: '-1e999' }))
      .toBe('Invalid configuration: DB_POOL_MAX must be a whole number (got "Infinity"); WORKER_STALE_MS must be a whole number (got "-1e999")');
  });

  it('takes a number in decimal digits only, as ajv read anything JavaScript reads as one (PORT=0x50 listened on 80)', () => {
    for (const [name, value] of [['PORT', '0x50'], ['PORT', '1e3'], ['PORT', ' 80'], ['PORT', '80 '], ['PORT', '+80'], ['PORT', '-0'], ['PORT', '8_0'],
      ['PORT', '0b1'], ['PORT', '1.0'], ['PORT', ''], ['DB_POOL_MAX', '1e3'], ['OMNI_PG_PORT', '0o777'], ['WORKER_MAX_OUTAGE_MS', '\t0']]) {
      expect(problem({ [name]: value })).toBe(`Invalid configuration: ${name} must be a whole number (got ${JSON.stringify(value)})`);
    }
    // With the other variables' problems, in the schema's order.
    expect(problem({ WORKER_CONCURRENCY: '0', LOG_LEVEL: 'loud', PORT: '0x50' })).toBe('Invalid configuration: PORT must be a whole number (got "0x50"); '
      + 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud"); WORKER_CONCURRENCY must be >= 1 (got "0")');
    expect(loadConfig({ PORT: '080', DB_POOL_MAX: '1000', WORKER_MAX_OUTAGE_MS: '0' })).toMatchObject({ PORT: 80, DB_POOL_MAX: 1000, WORKER_MAX_OUTAGE_MS: 0 });
  });

  it('never repeats a value that may hold a secret', () => {
    const message = problem({ DATABASE_URL: 'mysql://root:hunter2@db/x', OMNI_ENCRYPTION_KEY: 'short' });
    expect(message).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL; '
      + 'OMNI_ENCRYPTION_KEY must be base64 of 32 bytes, 44 characters (e.g. `openssl rand -base64 32`)');
    expect(message).not.toContain('hunter2');
    // A URL of the wrong scheme with credentials in it (QA: the pattern's refusal repeated it).
    expect(problem({ S3_ENDPOINT: 's3://AKIAEXAMPLE:S3SECRET@minio:9000', PUBLIC_BASE_URL: 'ftp://admin:PUBSECRET@host' })).toBe('Invalid configuration: '
      + 'PUBLIC_BASE_URL must be an http:// or https:// URL; S3_ENDPOINT must be an http:// or https:// URL');
  });

  it('refuses a URL that does not parse or names no host, naming the variable (a database URL without repeating it)', () => {
    const bad = (url: string) => problem({ DATABASE_URL: url });
    expect(bad('postgres://u:hunter2@127.0.0.1:99999/db')).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (it does not parse: Invalid URL)');
    expect(bad('postgres://u@h:abc/db')).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (it does not parse: Invalid URL)');
    expect(bad('postgres://u:hunter2%ZZ@h/db')).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (it does not parse: URI malformed)');
    // An sslmode libpq does not know (postgres.js took it for TLS with verification: QA).
    expect(bad('postgres://u:hunter2@h/db?sslmode=bogus')).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL '
      + '(its sslmode is one of disable, allow, prefer, require, verify-ca, verify-full, not "bogus")');
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:hunter2@h/db?sslmode=verify-full' })).not.toThrow();
    // Several hosts: postgres.js would try each, but the queue's driver and the start take one (it stopped on "Invalid URL": review).
    expect(bad('postgres://u:hunter2@h1,h2:5433/db')).toBe(bad('postgres://u:hunter2@h1:5432,h2:5433/db'));
    expect(bad('postgres://u:hunter2@h1:5432,h2:5433/db')).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL '
      + '(it names one host: several (host1,host2) are not supported; put a proxy or a DNS name in front of them)');
    expect(problem({ PUBLIC_BASE_URL: 'http://', S3_ENDPOINT: 'https://x y' })).toBe('Invalid configuration: '
      + 'PUBLIC_BASE_URL must be an http:// or https:// URL (it does not parse: Invalid URL; got "http://"); '
      + 'S3_ENDPOINT must be an http:// or https:// URL (it does not parse: Invalid URL; got "https://x y")');
    expect(problem({ S3_ENDPOINT: 'http://ak:supersecret@bad host' })).toBe('Invalid configuration: S3_ENDPOINT must be an http:// or https:// URL (it does not parse: Invalid URL)');
    expect(problem({ SMTP_URL: 'smtp://' })).toBe('Invalid configuration: SMTP_URL must be an smtp:// or smtps:// URL (smtp://user:pass@host:port) (it names no host)');
    // What postgres.js and the queue's node-postgres both read: a socket folder, an escaped password (several hosts: refused above).
    for (const url of ['postgres://u:p%40ss@h1:5433/db', 'postgresql://u@localhost/db?host=/var/run/postgresql', 'postgres://postgres@127.0.0.1:5432/test']) {
      expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
    // libpq's socket URL without a host (README): the host's place filled, the socket named by ?host=.
    expect(loadConfig({ DATABASE_URL: 'postgres://postgres@/test?host=/var/run/postgresql' }).DATABASE_URL)
      .toBe('postgres://postgres@localhost/test?host=/var/run/postgresql');
    expect(loadConfig({ DATABASE_URL: 'postgresql:///test?user=postgres&host=%2Frun%2Fpg' }).DATABASE_URL)
      .toBe('postgresql://localhost/test?user=postgres&host=%2Frun%2Fpg');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@:5433/db?host=/s' }).DATABASE_URL).toBe('postgres://u:p@localhost:5433/db?host=/s');
    // The folder percent-encoded where the host goes, libpq's other form: the same, with its port and parameters.
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@%2Fvar%2Frun%2Fpostgresql:5433/db?sslmode=disable' }).DATABASE_URL)
      .toBe('postgres://u:p@localhost:5433/db?host=%2Fvar%2Frun%2Fpostgresql&sslmode=disable');
    expect(loadConfig({ DATABASE_URL: 'postgresql://%2Ftmp/db' }).DATABASE_URL).toBe('postgresql://localhost/db?host=%2Ftmp');
    // libpq's ?port= is one port; sslrootcert=system takes verify-full alone.
    expect(problem({ DATABASE_URL: 'postgres://u@h/db?port=5432,5433' })).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (its port parameter is one port number, 1 to 65535, not "5432,5433")');
    expect(problem({ DATABASE_URL: 'postgres://u@h/db?port=99999' })).toMatch(/its port parameter is one port number, 1 to 65535, not "99999"/);
    expect(problem({ DATABASE_URL: 'postgres://u@h/db?sslrootcert=system&sslmode=require' })).toMatch(/its sslrootcert=system takes sslmode=verify-full \(or none, which means it\), as libpq's, not require/);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db?sslrootcert=system&port=6432' }).DATABASE_URL).toBe('postgres://u@h/db?sslrootcert=system&port=6432');
    // Without a socket folder an empty host names nothing: refused, as before.
    expect(problem({ DATABASE_URL: 'postgres://u@/db' })).toBe('Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (it does not parse: Invalid URL)');
  });

  it('refuses an empty data folder (it meant the working directory), host, region or sender', () => {
    expect(problem({ OMNI_DATA_DIR: '' })).toBe('Invalid configuration: OMNI_DATA_DIR must not be empty (got "")');
    for (const name of ['HOST', 'S3_REGION', 'SMTP_FROM']) expect(problem({ [name]: '' })).toContain(`${name} must not be empty`);
  });

  it('refuses a PUBLIC_BASE_URL with a query, a fragment or credentials, which every link would carry (…?x=1#frag/onboard/<sid>; config QA)', () => {
    for (const [url, why] of [['https://omni.example/omni?x=1', 'it has no query or fragment: a path is appended to it'], ['https://omni.example/#top', 'it has no query or fragment: a path is appended to it'],
      ['https://omni.example/?', 'it has no query or fragment: a path is appended to it'], ['https://admin@omni.example', 'it holds no user or password']]) {
      expect(problem({ PUBLIC_BASE_URL: url }), url).toBe(`Invalid configuration: PUBLIC_BASE_URL must be an http:// or https:// URL (${why}${url.includes('@') ? '' : `; got ${JSON.stringify(url)}`})`);
    }
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://omni.example/omni/' }).publicBaseUrl).toBe('https://omni.example/omni');
  });

  it('warns at start of links naming an address of every interface (HOST=0.0.0.0 without PUBLIC_BASE_URL)', () => {
    const bare = { DATABASE_URL: undefined, PUBLIC_BASE_URL: undefined } as unknown as Record<string, string>;
    expect(wildcardHostWarning(loadConfig({ ...bare, HOST: '0.0.0.0', PORT: '8080' }))).toBe('HOST is 0.0.0.0 and PUBLIC_BASE_URL is unset: the links Omni hands out '
      + "(onboarding pages, export downloads, the OpenAPI document's server) say http://0.0.0.0:8080, which no browser or partner reaches; "
      + 'set PUBLIC_BASE_URL to the address they use (https://omni.example.com)');
    expect(wildcardHostWarning(loadConfig({ ...bare, HOST: '::' }))).toContain('HOST is :: and PUBLIC_BASE_URL is unset');
    expect(wildcardHostWarning(loadConfig({ HOST: '0.0.0.0', PUBLIC_BASE_URL: 'https://omni.example' }))).toBeUndefined();
    expect(wildcardHostWarning(loadConfig({ ...bare, HOST: '127.0.0.1' }))).toBeUndefined();
  });

  it('refuses OMNI_PG_PORT equal to PORT for the embedded database (the second to bind failed "already in use"), not for an external one', () => {
    expect(problem({ DATABASE_URL: undefined, PORT: '54329' } as unknown as Record<string, string>))
      .toBe('Invalid configuration: OMNI_PG_PORT must not be PORT (54329): the embedded PostgreSQL and the API each listen on their own port');
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/omni', PORT: '54329' }).PORT).toBe(54329);
  });

  it('refuses a text value of white space alone, or padded with it, naming it and never repeating a secret (S3_REGION=" " failed at first use; config QA)', () => {
    expect(problem({ S3_REGION: ' ', EXPORT_S3_BUCKET: '   ', HOST: 'localhost ' })).toBe('Invalid configuration: HOST must not be padded with white space (got "localhost "); '
      + 'EXPORT_S3_BUCKET must not be white space alone (got "   "); S3_REGION must not be white space alone (got " ")');
    expect(problem({ OMNI_DATA_DIR: ' ' })).toBe('Invalid configuration: OMNI_DATA_DIR must not be white space alone (got " ")');
    const key = `${Buffer.alloc(32, 1).toString('base64')}\n`;
    expect(problem({ OMNI_ENCRYPTION_KEY: key })).toBe('Invalid configuration: OMNI_ENCRYPTION_KEY must not be padded with white space');
    // A value that may hold credentials is not repeated, whatever the variable (it was, padded).
    expect(problem({ PUBLIC_BASE_URL: 'https://admin:s3cr3t@omni.example ' })).toBe('Invalid configuration: PUBLIC_BASE_URL must not be padded with white space');
    expect(loadConfig({ SMTP_FROM: '"Omni Exports" <exports@omni.example>' }).SMTP_FROM).toBe('"Omni Exports" <exports@omni.example>');
  });

  it('says how long a value must be in words, and refuses empty S3 credentials or one without the other', () => {
    expect(problem({ EXPORT_S3_BUCKET: 'b' })).toBe('Invalid configuration: EXPORT_S3_BUCKET must have at least 3 characters (got "b")');
    expect(problem({ S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '' }))
      .toBe('Invalid configuration: S3_ACCESS_KEY_ID must not be empty; S3_SECRET_ACCESS_KEY must not be empty');
    const alone = problem({ S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' });
    expect(alone).toBe('Invalid configuration: S3_SECRET_ACCESS_KEY must be set with S3_ACCESS_KEY_ID (set both, or neither for the AWS SDK\'s own credentials)');
    expect(alone).not.toContain('AKIAEXAMPLE');
    expect(problem({ S3_SECRET_ACCESS_KEY: 'hunter2' })).toContain('S3_ACCESS_KEY_ID must be set with S3_SECRET_ACCESS_KEY');
  });

  it('accepts the defaults', () => {
    // env-schema reads process.env beside the data given: CI's second run sets DATABASE_URL.
    const { DATABASE_URL } = process.env;
    delete process.env.DATABASE_URL;
    try {
      expect(loadConfig({})).toMatchObject({ PORT: 8080, WEBHOOK_DISABLE_AFTER_FAILING_HOURS: 120, embedded: true, demo: true, publicBaseUrl: 'http://127.0.0.1:8080' });
    } finally {
      if (DATABASE_URL !== undefined) process.env.DATABASE_URL = DATABASE_URL;
    }
  });
});
