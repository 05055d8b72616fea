import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, makeWorkerUtils, run, type WorkerUtils } from 'graphile-worker';
import { testDatabaseUrl } from '../helpers/test-database.js';

// A queue schema of its own: the tests' workers poll graphile_worker on the same database.
const schema = `gw_pace_${randomBytes(4).toString('hex')}`;
let utils: WorkerUtils;
beforeAll(async () => {
  utils = await makeWorkerUtils({ connectionString: testDatabaseUrl(), schema });
  await utils.migrate();
});
afterAll(async () => {
  await utils.withPgClient((client) => client.query(`drop schema ${schema} cascade`));
  await utils.release();
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
      connectionString: testDatabaseUrl(), schema, concurrency: 2, pollInterval: 60000, noHandleSignals: true,
      logger: new Logger(() => () => {}),
      taskList: { pace: async () => { if (++done === jobs) finish(); } },
    });
    try {
      const began = Date.now();
      await all;
      expect(Date.now() - began).toBeLessThan(30000);
    } finally {
      await runner.stop();
    }
  });
});
