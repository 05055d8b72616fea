import type { Sql } from '../../src/db/database.js';
import { percentile, type BenchEnv } from '../lib/environment.js';
import { signedFetch, type Credentials } from '../lib/client.js';
import { generateProducts } from './catalog-import.js';

async function waitForStore(sql: Sql, storeId: string) {
  for (;;) {
    const [{ open }] = await sql<{ open: number }[]>`select count(*)::int as open from batches where store_id = ${storeId} and completed_at is null`;
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sendSequentially(env: BenchEnv, who: Credentials, products: Record<string, unknown>[]) {
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i * 1000 < products.length; i++) {
    const r = await signedFetch(env.baseUrl, who, 'POST', '/api/v1/partner/stores/catalog/sync', { products: products.slice(i * 1000, (i + 1) * 1000) });
    if (r.status !== 200 || r.json.data?.summary?.pending !== 1000) failed++;
    latencies.push(r.ms);
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length, failed, p50Ms: Number(percentile(latencies, 50).toFixed(1)), p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    maxMs: Number(latencies[latencies.length - 1].toFixed(1)),
  };
}

/**
 * The accept round trip of 1,000-row catalog sync requests sent one after another
 * by one partner into a store that already holds the imported catalog:
 *  - alone: the worker process is stopped (SIGSTOP) meanwhile, so the figure is the
 *    accept path's own cost (validation, lookups, storing the batch and its job);
 *    it is continued (SIGCONT) afterwards and processes what was accepted;
 *  - beside processing: the worker runs, and on 2 cores the batches accepted before
 *    are processed while the next request is accepted.
 * The import scenario's round trips, 4 senders at once, add queueing on top.
 */
export async function acceptLatency(env: BenchEnv, who: Credentials & { storeId: string }, warehouseIds: string[], requests: number) {
  const products = generateProducts(2 * requests * 1000, warehouseIds, 'acc');
  env.worker.kill('SIGSTOP');
  let alone;
  try {
    alone = await sendSequentially(env, who, products.slice(0, requests * 1000));
  } finally {
    env.worker.kill('SIGCONT');
  }
  await waitForStore(env.sql, who.storeId);
  const besideProcessing = await sendSequentially(env, who, products.slice(requests * 1000));
  await waitForStore(env.sql, who.storeId);
  return { alone, besideProcessing };
}
