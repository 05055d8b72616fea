import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from './database.js';
import { isDatabaseUnavailable } from './unavailable.js';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { testDatabaseUrl } from '../../test/helpers/test-database.js';

/** The unhandled rejections met while `run` runs and a moment after it (Node reports them once the microtasks ran). */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const met: unknown[] = [];
  const record = (reason: unknown) => { met.push(reason); };
  process.on('unhandledRejection', record);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.off('unhandledRejection', record);
  }
  return met;
}

let proxy: TcpProxy;
let sql: Sql;

beforeAll(async () => {
  proxy = await startTcpProxy(testDatabaseUrl());
  sql = connect(proxy.url, 1);
});

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await proxy?.close();
});

describe('a connection lost while postgres.js opens it', () => {
  // postgres.js's first statement on each new connection reads the array types (pg_type); it
  // discarded that statement's promise, so the connection's loss at that moment was, besides
  // the failure of the query that opened it, an unhandled rejection that ended the worker
  // (stop-while-database-down.test.ts, about one run in eight).
  it('fails the query that opened it, and nothing else; the next query opens a connection again', async () => {
    let failed: unknown;
    const unhandled = await unhandledDuring(async () => {
      const reset = proxy.resetOnceAfter('pg_catalog.pg_type');
      failed = await sql`select 1 as one`.then(() => undefined, (err: unknown) => err);
      await reset;
    });
    expect(unhandled).toEqual([]);
    expect(failed).toMatchObject({ code: 'ECONNRESET' });
    expect(isDatabaseUnavailable(failed)).toBe(true);
    expect(await sql`select 2 as two`).toEqual([{ two: 2 }]);
  });
});
