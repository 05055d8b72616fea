import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.js';
import { TEST_KEY_B64, type TestContext } from './test-app.js';
import { OMNI_BIN } from './cli.js';
import { testDatabaseUrl, testDataDir } from './test-database.js';

/** A real graphile-worker on the test database, as `omni worker` runs it. */
export async function startTestWorker(ctx: TestContext, logger = pino({ level: process.env.TEST_WORKER_LOG ?? 'silent' })): Promise<Runner> {
  return startWorker(ctx.deps, ctx.deps.config.DATABASE_URL!, logger);
}

/**
 * `omni worker` in a process of its own on the test file's database, for a test to kill
 * (killWorkerProcess) in the middle of its work. WORKER_STALE_MS is short, so that a worker of
 * the test (startTestWorker, with the same setting) takes the dead one's jobs over within a second.
 */
export function spawnWorkerProcess(env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [OMNI_BIN, 'worker'], {
    env: {
      ...process.env, DATABASE_URL: testDatabaseUrl(), OMNI_DATA_DIR: testDataDir(), OMNI_ENCRYPTION_KEY: TEST_KEY_B64,
      WORKER_STALE_MS: '1000', LOG_LEVEL: 'silent', ...env,
    },
    stdio: 'ignore',
  });
}

/** SIGKILL: the process ends at once, whatever it was doing (no shutdown, nothing rolled back by it). */
export async function killWorkerProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Polls until `done` holds, for at most `timeoutMs`: `what` names it in the error. */
export async function pollUntil(what: string, done: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls until the batch has no pending rows and is marked done; returns its row. */
export async function waitForBatch(ctx: TestContext, batchId: string, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [b] = await ctx.sql<any[]>`select * from batches where id = ${batchId}`;
    if (b?.completed_at) return b;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} not done in ${timeoutMs} ms: ${JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The seed example with ids and timestamps blanked, for comparing shapes and values. */
export function withoutVolatile(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v) =>
    (['requestId', 'timestamp', 'durationMs', 'batchId', 'id'].includes(key) ? '<volatile>' : v));
}
