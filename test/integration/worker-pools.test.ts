import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { connect } from '../../src/db/database.js';
import { queuePoolSize } from '../../src/jobs/worker.js';

/** What a process holds of PostgreSQL's connections (README, Running in production). */
describe('connection pools', () => {
  let ctx: TestContext;
  beforeAll(async () => { ctx = await createTestApp({ env: { WORKER_CONCURRENCY: '30', WEBHOOK_CONCURRENCY: '6' } }); });
  afterAll(async () => { await ctx.close(); });

  it('a worker\'s queue pool has a connection for each job and delivery slot (a fixed 10 was fewer than WORKER_CONCURRENCY=30)', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const worker = await startTestWorker(ctx, pino({ level: 'warn' }, sink));
    try {
      const [{ n }] = await ctx.sql`select count(*)::int as n from pg_stat_activity where application_name = 'omni-worker' and datname = current_database()`;
      expect(n).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
    // README's sum: WORKER_CONCURRENCY + WEBHOOK_CONCURRENCY + 2.
    expect(queuePoolSize(ctx.deps.config)).toBe(30 + 6 + 2);
    // graphile-worker warns, for each runner, when its pool is smaller than its concurrency.
    expect(lines.filter((l) => l.includes('smaller than concurrency'))).toEqual([]);
  });

  it('closes a pooled connection idle for a minute (postgres.js kept them for the process\'s life)', async () => {
    const sql = connect(ctx.deps.config.DATABASE_URL!, 1);
    try {
      // README's 60 seconds.
      expect(sql.options.idle_timeout).toBe(60);
    } finally {
      await sql.end();
    }
  });
});
