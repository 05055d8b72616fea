import { waitForStore, type BenchEnv } from '../lib/environment.js';
import type { Credentials } from '../lib/client.js';
import { runSender } from '../lib/sender.js';
import { pgWaitsIfAsked } from '../lib/pg-waits.js';

/**
 * The accept round trip of 1,000-row catalog sync requests sent one after another
 * by one partner into a store that already holds the imported catalog:
 *  - alone: the worker process is stopped (SIGSTOP) meanwhile, so the figure is the
 *    accept path's own cost (validation, lookups, storing the batch and its job);
 *    it is continued (SIGCONT) afterwards and processes what was accepted;
 *  - beside processing: the worker runs, and on 2 cores the batches accepted before
 *    are processed while the next request is accepted.
 * The import scenario's round trips, 4 senders at once, add queueing on top. The
 * sender runs in a process of its own (bench/lib/sender.ts). Each part starts with 2
 * warm-up requests that are not counted (the first after the settle step's CHECKPOINT
 * write full pages to the WAL and ran up to twice as long); with 100 timed requests the
 * p99 is the second slowest, not the single slowest as with 40. With BENCH_PG_WAITS=1 the
 * alone part also says what PostgreSQL's backends waited on while its slowest requests ran.
 */
export async function acceptLatency(env: BenchEnv, who: Credentials & { storeId: string }, warehouseIds: string[], requests: number) {
  type Result = { requests: number; failed: number; p50Ms: number; p99Ms: number; maxMs: number; slowest: { i: number; ms: number; sentAt: number }[]; inOrderMs: number[] };
  env.worker.kill('SIGSTOP');
  const waits = pgWaitsIfAsked(env.sql);
  let alone: Result & { pgWaits?: unknown };
  try {
    alone = await runSender<Result>({ kind: 'accept', baseUrl: env.baseUrl, who, warehouseIds, requests, warmup: 2, prefix: 'acc' });
  } finally {
    env.worker.kill('SIGCONT');
    await waits?.stop();
  }
  if (waits) alone.pgWaits = waits.report(alone.slowest, (s) => [s.sentAt, s.sentAt + s.ms]);
  await waitForStore(env.sql, who.storeId);
  // Fewer beside processing: this part is reported, not held to the target.
  const besideProcessing = await runSender<Result>({ kind: 'accept', baseUrl: env.baseUrl, who, warehouseIds, requests: 20, warmup: 2, prefix: 'acb' });
  await waitForStore(env.sql, who.storeId);
  return { alone, besideProcessing };
}
