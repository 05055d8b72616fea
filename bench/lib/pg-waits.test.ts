import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { watchPgWaits } from './pg-waits.js';
import { testDatabaseUrl } from '../../test/helpers/test-database.js';

const sql = connect(testDatabaseUrl(), 3);
afterAll(() => sql.end());

describe('watchPgWaits', () => {
  it("names what the database's active backends waited on, and when", async () => {
    const waits = watchPgWaits(sql, 10);
    await new Promise((r) => setTimeout(r, 50));
    const from = Date.now();
    await sql`select pg_sleep(0.5)`;
    const to = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await waits.stop();
    const { samples, waits: overall } = waits.summary();
    expect(samples).toBeGreaterThan(8);
    // pg_sleep waits on Timeout/PgSleep; no other test sleeps.
    expect(overall['Timeout/PgSleep']).toBeGreaterThan(3);
    expect(waits.during(from, to)['Timeout/PgSleep']).toBeGreaterThan(3);
    expect(waits.during(to + 20, Date.now())['Timeout/PgSleep']).toBeUndefined();
    const report = waits.report([{ from, to }], (w) => [w.from, w.to]);
    expect(report.samples).toBe(samples);
    expect(report.slowest[0].waits['Timeout/PgSleep']).toBeGreaterThan(3);
  });
});
