import type { BenchEnv } from '../lib/environment.js';
import type { Credentials } from '../lib/client.js';
import type { OpenLoopResult } from '../lib/open-loop.js';
import { runSender } from '../lib/sender.js';
import { countCpu } from '../lib/cpu.js';
import { pgWaitsIfAsked } from '../lib/pg-waits.js';

/**
 * PATCH /products/{id} at a fixed request rate (open loop, each request freshly
 * signed), spread over 2,000 products, after a few seconds at the same rate that
 * are not counted (connections opened, code warmed up). The sender runs in a
 * process of its own. With BENCH_PG_WAITS=1 the result also says what PostgreSQL's
 * backends waited on, over the run and while each of the five slowest requests was in flight.
 */
export async function patchLatency(env: BenchEnv, who: Credentials & { storeId: string }, rate: number, seconds: number) {
  const products = await env.sql<{ id: string }[]>`select id from products where store_id = ${who.storeId} and not has_variants limit 2000`;
  // Counted over the warm-up too: the sender's own CPU is only known once its process exits.
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  const waits = pgWaitsIfAsked(env.sql);
  const result = await runSender<OpenLoopResult>({
    kind: 'patch', baseUrl: env.baseUrl, who, productIds: products.map((p) => p.id), rate, seconds, warmupSeconds: Math.min(5, seconds),
  });
  const used = await cpu.stop();
  await waits?.stop();
  const pgWaits = waits?.report(result.slowest.slice(0, 5), (s) => [result.startedAt + s.atMs, result.startedAt + s.atMs + s.ms]);
  return { rate, duration: seconds, ...result, cpu: used, ...(pgWaits ? { pgWaits } : {}) };
}
