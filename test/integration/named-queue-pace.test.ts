import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, makeWorkerUtils, run, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { testDatabaseUrl } from '../helpers/test-database.js';

// A queue schema of its own (the file's database is its own too, and goes with its schemas).
const schema = `gw_pace_${randomBytes(4).toString('hex')}`;
let utils: WorkerUtils;
// One pool of the test's own, ended before the file's database is dropped: a connection graphile-worker's
// own pool still held then was terminated (57P01) with no one listening, an unhandled error of the run.
const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 4 });
pool.on('error', () => {});
beforeAll(async () => {
  utils = await makeWorkerUtils({ pgPool: pool, schema });
  await utils.migrate();
});
afterAll(async () => {
  await utils.release();
  await pool.end();
});

describe('jobs of one named queue (a webhook endpoint that fails, a partner with a slow receiver)', () => {
  it('run one after another without waiting for the poll interval (graphile-worker patch)', { timeout: 60000 }, async () => {
    // The queue's next job is locked until the completion of the one before commits, which the
    // worker does not await: its next look found nothing and waited pollInterval (1 s in Omni)
    // after ~40% of a failing endpoint's deliveries (QA). At 60 s, such a wait ends the test.
    const jobs = 10;
    let done = 0;
    let finish: () => void = () => {};
    const all = new Promise<void>((resolve) => { finish = resolve; });
    for (let i = 0; i < jobs; i++) await utils.addJob('pace', {}, { queueName: 'one-endpoint' });
    const runner = await run({
      pgPool: pool, schema, concurrency: 2, pollInterval: 60000, noHandleSignals: true,
      logger: new Logger(() => () => {}),
      taskList: { pace: async () => { if (++done === jobs) finish(); } },
    });
    try {
      const began = Date.now();
      await all;
      expect(Date.now() - began).toBeLessThan(30000);
      // Each job recorded done (the last record is not awaited by the worker: it may still be on its way).
      for (let left = jobs; left > 0; await new Promise((r) => setTimeout(r, 50))) {
        left = Number((await pool.query(`select count(*) from ${schema}._private_jobs`)).rows[0].count);
      }
    } finally {
      await runner.stop();
    }
  });
});
