import pino from 'pino';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.js';
import type { TestContext } from './test-app.js';

/** A real graphile-worker on the test database, as `omni worker` runs it. */
export async function startTestWorker(ctx: TestContext): Promise<Runner> {
  return startWorker(ctx.deps, ctx.deps.config.DATABASE_URL!, pino({ level: process.env.TEST_WORKER_LOG ?? 'silent' }));
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
