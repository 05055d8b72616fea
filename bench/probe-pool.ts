/**
 * The cost of one trivial query through a postgres.js pool of 10 connections, one query
 * at a time, as the pool ages: after 2,000, 50,000, 100,000 and 200,000 queries. Without
 * patches/postgres+3.4.9.patch the pool's open-connection queue keeps a hole for every
 * query it served and searches all of them on each query (src/db/postgres-queue.test.ts),
 * so the cost grows with the process's uptime. Run: node bin/run-ts.js bench/probe-pool.ts
 * (DATABASE_URL: any database; without it, an embedded PostgreSQL in a temporary folder).
 */
import { connect } from '../src/db/database.js';
import { openProbeDatabase } from './lib/probe-database.js';

const db = await openProbeDatabase();
const sql = connect(db.url, 10);
try {
  // Every connection open first, as in a server that once had 10 queries in flight.
  await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`));
  let n = 0;
  for (const upto of [2_000, 50_000, 100_000, 200_000]) {
    while (n < upto - 2_000) { await sql`select 1`; n++; }
    const t = performance.now();
    for (let i = 0; i < 2_000; i++) { await sql`select 1`; n++; }
    console.log(`after ${n} queries: ${(((performance.now() - t) * 1000) / 2_000).toFixed(1)} µs a query`);
  }
} finally {
  await sql.end();
  await db.close();
}
