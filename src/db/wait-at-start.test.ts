import { describe, expect, it } from 'vitest';
import { connect } from './database.js';
import { DatabaseStartTimeout, databaseAddress, isUnreachableAtStart, waitForDatabase, type WaitOptions } from './wait-at-start.js';
import { isDatabaseUnavailable } from './unavailable.js';
import { freePort } from '../../test/helpers/free-port.js';
import { testDatabaseUrl } from '../../test/helpers/test-database.js';

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err: unknown) => err);

describe('what a start waits for', () => {
  it('names the address of a database URL, never its user or password', () => {
    expect(databaseAddress('postgres://omni:hunter2@db.internal:6432/omni')).toBe('db.internal:6432');
    expect(databaseAddress('postgresql://omni:hunter2@db/omni')).toBe('db:5432');
    expect(databaseAddress('postgres://omni:hunter2@127.0.0.1:5433/omni?host=%2Fvar%2Frun%2Fpostgresql')).toBe('/var/run/postgresql/.s.PGSQL.5433');
  });

  it('counts a refused connection and a host name that does not resolve (yet), not an error of its own', async () => {
    for (const host of [`127.0.0.1:${await freePort()}`, 'omni-db.invalid']) {
      const sql = connect(`postgres://omni:x@${host}/omni`, 1, {}, 2000);
      try {
        expect(isUnreachableAtStart(await failure(sql`select 1`)), host).toBe(true);
      } finally {
        await sql.end({ timeout: 0 });
      }
    }
    // A server that answered and refused us (here a database it does not have): no wait mends it,
    // though a running process counts it unavailable (SYS_002, unavailable.ts).
    const url = new URL(testDatabaseUrl());
    url.pathname = '/omni_no_such_database';
    const sql = connect(url.toString(), 1);
    try {
      const refusal = await failure(sql`select 1`);
      expect([isDatabaseUnavailable(refusal), isUnreachableAtStart(refusal)]).toEqual([true, false]);
    } finally {
      await sql.end({ timeout: 0 });
    }
    // A lookup that failed elsewhere (S3, a webhook) is not the database's.
    expect(isUnreachableAtStart(Object.assign(new Error('getaddrinfo ENOTFOUND s3'), { code: 'ENOTFOUND' }))).toBe(false);
  });
});

describe('waitForDatabase', () => {
  // postgres.js's error for a connection that did not open in time (an unreachable database).
  const refused = () => Promise.reject(Object.assign(new Error('write CONNECT_TIMEOUT db:5432'), { code: 'CONNECT_TIMEOUT' }));
  const hanging = () => new Promise<never>(() => {});
  const options = (probe: WaitOptions['probe'], more: Partial<WaitOptions> = {}): WaitOptions & { lines: string[] } => {
    const lines: string[] = [];
    return {
      lines, probe, probeMs: 20, timeoutMs: 0, signal: new AbortController().signal,
      onDown: () => lines.push('down'), onUp: () => lines.push('up'),
      onTimeout: (_ms, err) => new DatabaseStartTimeout(`timeout: ${(err as Error | undefined)?.message}`),
      ...more,
    };
  };

  it('logs nothing when the database answers at once, one line each way when it comes later', async () => {
    const atOnce = options(async () => {});
    expect(await waitForDatabase(atOnce)).toBe(true);
    expect(atOnce.lines).toEqual([]);
    let attempts = 0;
    const later = options(() => (++attempts < 4 ? refused() : Promise.resolve()));
    expect(await waitForDatabase(later)).toBe(true);
    expect([attempts, later.lines]).toEqual([4, ['down', 'up']]);
  });

  it('throws an error that is not an unreachable database at once, even after waiting', async () => {
    let attempts = 0;
    const login = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    const opts = options(() => (++attempts < 2 ? refused() : Promise.reject(login)));
    await expect(waitForDatabase(opts)).rejects.toBe(login);
  });

  it('does not wait for a probe in flight when the bound passes or a signal comes', async () => {
    const started = Date.now();
    await expect(waitForDatabase(options(hanging, { timeoutMs: 100 }))).rejects.toBeInstanceOf(DatabaseStartTimeout);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    expect(await waitForDatabase(options(hanging, { signal: abort.signal }))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    // The bound also ends the pauses between probes, with the last error.
    await expect(waitForDatabase(options(refused, { timeoutMs: 100, probeMs: 10000 }))).rejects.toThrow('timeout: write CONNECT_TIMEOUT db:5432');
  });
});
