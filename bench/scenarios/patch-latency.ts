import type { BenchEnv } from '../lib/environment.js';
import type { Credentials } from '../lib/client.js';
import type { OpenLoopResult } from '../lib/open-loop.js';
import { runSender } from '../lib/sender.js';
import { countCpu } from '../lib/cpu.js';

/**
 * PATCH /products/{id} at a fixed request rate (open loop, each request freshly
 * signed), spread over 2,000 products, after a few seconds at the same rate that
 * are not counted (connections opened, code warmed up). The sender runs in a
 * process of its own.
 */
export async function patchLatency(env: BenchEnv, who: Credentials & { storeId: string }, rate: number, seconds: number) {
  const products = await env.sql<{ id: string }[]>`select id from products where store_id = ${who.storeId} and not has_variants limit 2000`;
  // Counted over the warm-up too: the sender's own CPU is only known once its process exits.
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  const result = await runSender<OpenLoopResult>({
    kind: 'patch', baseUrl: env.baseUrl, who, productIds: products.map((p) => p.id), rate, seconds, warmupSeconds: Math.min(5, seconds),
  });
  return { rate, duration: seconds, ...result, cpu: await cpu.stop() };
}
