import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

describe('the job worker', () => {
  it('has closed its queue connections when stop() returns, so the database stopping next cannot crash it', { timeout: 30000 }, async () => {
    const runner = await startTestWorker(ctx);
    const connections = () => ctx.sql<{ pid: number }[]>`
      select pid from pg_stat_activity where application_name = 'omni-worker' and datname = current_database()`;
    for (let i = 0; (await connections()).length === 0; i++) {
      if (i > 100) throw new Error('the worker opened no connection');
      await new Promise((r) => setTimeout(r, 20));
    }
    await runner.stop();
    // What a database that stops next does to connections still open: with graphile-worker's own
    // pool (ended without waiting, its error listener already removed) this was an unhandled
    // 'error' event, which ends the process (and fails this run).
    await ctx.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'omni-worker' and datname = current_database()`;
    await new Promise((r) => setTimeout(r, 300));
    expect(await connections()).toEqual([]);
  });
});
