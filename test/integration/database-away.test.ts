import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, TEST_KEY_B64 } from '../helpers/test-app.js';
import { freePort } from '../helpers/free-port.js';
import { samples } from '../helpers/metrics.js';
import { connect, connectStatements } from '../../src/db/database.js';
import { buildApp, type AppDeps } from '../../src/http/app.js';

// The app on a database that is not there (nothing listens on its port): what a client and a
// scraper get during an outage.
let app: Awaited<ReturnType<typeof buildApp>>;
let deps: AppDeps;
beforeAll(async () => {
  const url = `postgres://omni:x@127.0.0.1:${await freePort()}/omni`;
  deps = { sql: connect(url, 1), statements: connectStatements(url, 1), config: testConfig({ DATABASE_URL: url }), encryptionKey: Buffer.from(TEST_KEY_B64, 'base64') };
  // As `omni serve` runs it, with its job worker in the process (which found the database away 5 s ago).
  app = await buildApp(deps, { logger: false, worker: { databaseDownSince: Date.now() - 5000 } });
});
afterAll(async () => {
  await app.close();
  await Promise.all([deps.sql.end({ timeout: 0 }), deps.statements!.end({ timeout: 0 })]);
});

describe('while the database cannot be reached', () => {
  it('answers SYS_002 (503) with Retry-After, so that clients and load balancers wait and retry', async () => {
    for (const url of ['/ready', '/api/v1/partner/reference/categories']) {
      const res = await app.inject({ method: 'GET', url });
      expect([res.statusCode, res.json().error.code], url).toEqual([503, 'SYS_002']);
      expect(res.headers['retry-after'], url).toBe('5');
    }
    // A request refused before it needs the database gets no such hint.
    const unsigned = await app.inject({ method: 'GET', url: '/api/v1/partner/stores/products' });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.headers['retry-after']).toBeUndefined();
  });

  it('still answers /metrics, the work metrics saying they could not be read, and the worker for how long it has waited', async () => {
    expect(await samples(app, 'omni_work_metrics_database_up')).toEqual({ omni_work_metrics_database_up: 0 });
    // What could not be read is unknown: no sample, or NaN, never a 0 that resolves a backlog alert.
    const work = await samples(app, 'omni_');
    expect(Object.keys(work).filter((name) => /^omni_(jobs|batches_unfinished|webhook_deliveries_unfinished)\{/.test(name))).toEqual([]);
    expect([work.omni_jobs_oldest_queued_seconds, work.omni_batch_rows_pending, work.omni_pim_bulk_jobs_unfinished, work.omni_webhook_endpoints_failing]).toEqual([NaN, NaN, NaN, NaN]);
    const worker = await samples(app, 'omni_worker_database_');
    expect(worker.omni_worker_database_up).toBe(0);
    expect(worker.omni_worker_database_down_seconds).toBeGreaterThanOrEqual(5);
    expect(worker.omni_worker_database_down_seconds).toBeLessThan(60);
  });
});
