import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, TEST_KEY_B64 } from '../helpers/test-app.js';
import { testDatabaseUrl } from '../helpers/test-database.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { samples } from '../helpers/metrics.js';
import { connect, connectStatements } from '../../src/db/database.js';
import { buildApp, type AppDeps } from '../../src/http/app.js';
import { PROBE_TIMEOUT_MS } from '../../src/db/unavailable.js';

// A database that stops answering on connections already open (a frozen host, a path that drops
// packets): no refusal, no reset. /ready and the /metrics scrape waited for it without end (QA).
let app: Awaited<ReturnType<typeof buildApp>>;
let deps: AppDeps;
let proxy: TcpProxy;
beforeAll(async () => {
  proxy = await startTcpProxy(testDatabaseUrl());
  deps = { sql: connect(proxy.url, 2), statements: connectStatements(proxy.url, 1), config: testConfig({ DATABASE_URL: proxy.url }), encryptionKey: Buffer.from(TEST_KEY_B64, 'base64') };
  app = await buildApp(deps, { logger: false });
});
afterAll(async () => {
  proxy.thaw();
  await app.close();
  await Promise.all([deps.sql.end({ timeout: 0 }), deps.statements!.end({ timeout: 0 })]);
  await proxy.close();
});

describe('a database that stops answering', () => {
  it('leaves /ready SYS_002 and the scrape answering with the work metrics down, within the probe timeout', async () => {
    // The pool's connections open while it answers.
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await samples(app, 'omni_work_metrics_database_up')).omni_work_metrics_database_up).toBe(1);
    proxy.hang();
    const started = Date.now();
    // (A scrape within the same turn of the event loop as the last one shares its read.)
    await new Promise((r) => setImmediate(r));
    const [ready, metrics] = await Promise.all([app.inject({ method: 'GET', url: '/ready' }), samples(app, 'omni_work_metrics_database_up')]);
    expect(Date.now() - started).toBeLessThan(PROBE_TIMEOUT_MS + 2000);
    expect([ready.statusCode, ready.json().error.code, ready.json().error.details.context.reason])
      .toEqual([503, 'SYS_002', `the database did not answer within ${PROBE_TIMEOUT_MS / 1000} s`]);
    expect(metrics.omni_work_metrics_database_up).toBe(0);
    // Answering again, it is ready again.
    proxy.thaw();
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });
});
