import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

/**
 * A pool hands out its most recently released connection (patches/postgres+3.4.9.patch: the
 * open queue is taken from its end, as pg-pool does), not the one idle longest. After a burst
 * has opened several connections, the requests that follow one after another keep to one warm
 * backend, instead of cycling through all of them, each with its own plans to remake and its
 * own first touch of every shared page (docs/performance.md, fourteenth session).
 */
const sql = connect(testDatabaseUrl(), 5);
afterAll(() => sql.end());

describe('connection pool', () => {
  it('reuses the most recently released connection under a light load', async () => {
    // A burst of five queries at once opens five connections.
    const burst = await Promise.all(Array.from({ length: 5 }, () => sql<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.05)`));
    expect(new Set(burst.map(([r]) => r.pid)).size).toBe(5);
    const pids: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [r] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      pids.push(r.pid);
    }
    // Taken from the front of the queue, the ten would have gone round all five backends.
    expect(new Set(pids).size).toBe(1);
    // Transactions too.
    const txPids: number[] = [];
    for (let i = 0; i < 5; i++) txPids.push(await sql.begin(async (tx) => (await tx<{ pid: number }[]>`select pg_backend_pid() as pid`)[0].pid));
    expect(new Set(txPids).size).toBe(1);
  });
});
