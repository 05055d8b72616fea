import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMNI_BIN } from '../helpers/cli.js';
import { createTestApp, createTestStore, signedInject, TEST_KEY_B64, type TestContext } from '../helpers/test-app.js';
import { testDatabaseUrl, testDataDir } from '../helpers/test-database.js';
import { killWorkerProcess, waitForBatch } from '../helpers/worker.js';

/**
 * `omni worker` started where graphile-worker's own defaults would read something: a file named
 * `crontab` in its working folder (read as the deliveries' schedule: the start failed "Invalid
 * command specification in line 2 of crontab"), and GRAPHILE_WORKER_SCHEMA (the queue was installed
 * in that schema, where Omni never enqueues). Neither is read now (config QA).
 */
let ctx: TestContext;
let folder: string;
beforeAll(async () => {
  ctx = await createTestApp();
  folder = await mkdtemp(join(tmpdir(), 'omni-worker-cwd-'));
  await writeFile(join(folder, 'crontab'), '# a schedule of another program\nnot a cron line\n');
});
afterAll(async () => {
  await ctx?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('a worker started among graphile-worker\'s own settings', () => {
  it('reads no crontab of its working folder and keeps its queue in graphile_worker whatever GRAPHILE_WORKER_SCHEMA says', { timeout: 60000 }, async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products: [{ externalId: 'cwd-1', sku: 'CWD-1', name: 'Worker folder', price: 10, stock: 1 }] } });
    const child = spawn(process.execPath, [OMNI_BIN, 'worker'], {
      cwd: folder,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), OMNI_DATA_DIR: testDataDir(), OMNI_ENCRYPTION_KEY: TEST_KEY_B64, LOG_LEVEL: 'silent', GRAPHILE_WORKER_SCHEMA: 'omni_elsewhere' },
      stdio: 'ignore',
    });
    try {
      const batch = await waitForBatch(ctx, res.json().data.batchId, 30000);
      expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1 });
      expect(child.exitCode).toBeNull();
      const [schema] = await ctx.sql`select count(*)::int as n from pg_namespace where nspname = 'omni_elsewhere'`;
      expect(schema.n).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) await killWorkerProcess(child);
    }
  });
});
