import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { killWorkerProcess, pollUntil, spawnWorkerProcess, startTestWorker } from '../helpers/worker.js';
import { createPimActor, pimRequest, waitJob, type PimActor } from '../helpers/pim.js';
import { lockWaiters, untilBackendsGone, waitingForLock } from '../helpers/lock-waits.js';

let ctx: TestContext;
let actor: PimActor;
beforeAll(async () => {
  ctx = await createTestApp({ env: { WORKER_STALE_MS: '1000' } });
  actor = await createPimActor(ctx);
});
afterAll(async () => { await ctx.close(); });

/** Items of each job: 4 full chunks of 500 and a shorter one. */
const N = 2250;
const CHUNK = 500;

/**
 * Runs `omni worker` in a process of its own on the job and SIGKILLs it in the middle of a
 * chunk: after at least one chunk has committed, while a later chunk has written its items
 * and waits to count them (its `update bulk_jobs`, held here by a row lock), so that the
 * chunk's writes are done but not committed. Returns how many items were counted then.
 */
async function killMidChunk(jobId: string): Promise<number> {
  const child = spawnWorkerProcess();
  const counted = async () => {
    const [j] = await ctx.sql`select processed_items + failed_items as n from bulk_jobs where id = ${jobId}`;
    return j.n as number;
  };
  let dead: number[] = [];
  try {
    await pollUntil('the child worker committed a chunk', async () => (await counted()) >= CHUNK);
    const held = await ctx.sql.reserve();
    try {
      await held`begin`;
      const [job] = await held`select processed_items + failed_items as n, total_items from bulk_jobs where id = ${jobId} for update`;
      expect(job.n).toBeLessThan(job.total_items);
      await pollUntil('the next chunk waiting to count its items', () => waitingForLock(ctx.sql, 'update bulk_jobs set processed_items'));
      dead = await lockWaiters(ctx.sql, 'update bulk_jobs set processed_items');
      await killWorkerProcess(child);
      return job.n;
    } finally {
      await held`rollback`;
      held.release();
      // The killed worker's waiting backend ends once it has the lock (lock-waits.ts).
      await untilBackendsGone(ctx.sql, dead);
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) await killWorkerProcess(child);
  }
}

/** Creates the job, kills a worker in the middle of it, and lets another worker finish it. */
async function crashAndResume(jobType: string, payload: unknown[]) {
  const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/bulk-jobs', { job_type: jobType, payload });
  expect(res.statusCode, res.body).toBe(200);
  const jobId = res.json().data.id as string;
  const countedAtKill = await killMidChunk(jobId);
  // The dead worker's chunk is not counted: it was rolled back with the connection.
  const [mid] = await ctx.sql`select status, processed_items + failed_items as n from bulk_jobs where id = ${jobId}`;
  expect(mid).toEqual({ status: 'PROCESSING', n: countedAtKill });
  // A surviving worker notices the silent one within WORKER_STALE_MS and takes its job over.
  const worker = await startTestWorker(ctx);
  try {
    return { jobId, countedAtKill, job: await waitJob(ctx, actor, jobId, 60000) };
  } finally {
    await worker.stop();
  }
}

/** The job's item errors: each index once, in order. */
const errorIndexes = (job: any) => job.item_errors.map((e: any) => e.index);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Per product: its audit events of this job and action, and whether they name it once each. */
async function auditsOf(jobId: string, action: string) {
  const [a] = await ctx.sql`select count(*)::int as events, count(distinct resource_id)::int as products from audit_events
    where store_id = ${actor.storeId} and action = ${action} and changes->>'bulkJobId' = ${jobId}`;
  return a;
}

describe('a worker killed in the middle of a PIM bulk job', () => {
  // Items without a title fail (VAL_001), and items repeating the SKU of the item before (PRD_003).
  const untitled = (i: number) => i % 150 === 7;
  const repeatsSku = (i: number) => i % 400 === 3;
  const sku = (i: number) => `PC-${repeatsSku(i) ? i - 1 : i}`;
  const importItems = range(N).map((i) => (untitled(i) ? { sku: sku(i) } : { title: `Crash ${i}`, sku: sku(i), price: 10 + (i % 7) }));
  const failsImport = (i: number) => untitled(i) || repeatsSku(i);

  it('imports every item exactly once: no duplicate product, audit event or validation issue', { timeout: 120000 }, async () => {
    const { jobId, countedAtKill, job } = await crashAndResume('BULK_IMPORT', importItems);
    expect(countedAtKill % CHUNK).toBe(0);
    const failed = range(N).filter(failsImport);
    expect(job).toMatchObject({ status: 'COMPLETED', total_items: N, processed_items: N - failed.length, failed_items: failed.length });
    expect(errorIndexes(job)).toEqual(failed);
    expect(new Set(job.item_errors.map((e: any) => e.code))).toEqual(new Set(['VAL_001', 'PRD_003']));
    const [products] = await ctx.sql`select count(*)::int as n, count(distinct external_id)::int as ids, count(distinct sku)::int as skus
      from products where store_id = ${actor.storeId}`;
    expect(products).toEqual({ n: N - failed.length, ids: N - failed.length, skus: N - failed.length });
    expect(await auditsOf(jobId, 'product.created')).toEqual({ events: N - failed.length, products: N - failed.length });
    const [issues] = await ctx.sql`select count(*)::int as n, count(distinct (product_id, code))::int as distinct_issues
      from validation_issues where store_id = ${actor.storeId}`;
    expect(issues.n).toBeGreaterThan(0);
    expect(issues.n).toBe(issues.distinct_issues);
  });

  it('updates every product exactly once: one audit event each, the item errors exact', { timeout: 120000 }, async () => {
    const ids = (await ctx.sql`select id from products where store_id = ${actor.storeId} order by sku`).map((p) => p.id as string);
    // Unknown products (PRD_001) among them.
    const unknown = (i: number) => i % 300 === 11;
    const items = range(N).map((i) => ({ id: unknown(i) ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : ids[i % ids.length], title: `Updated ${i}` }));
    // Items beyond the products name them a second time: each product's updates apply in order.
    const { jobId, job } = await crashAndResume('BULK_UPDATE', items);
    const failed = range(N).filter(unknown);
    expect(job).toMatchObject({ status: 'COMPLETED', total_items: N, processed_items: N - failed.length, failed_items: failed.length });
    expect(errorIndexes(job)).toEqual(failed);
    expect(job.item_errors.every((e: any) => e.code === 'PRD_001')).toBe(true);
    // Each product's title is its last item's (the few an unknown id took the place of keep theirs).
    const last = new Map<string, string>();
    items.forEach((item, i) => { if (!unknown(i)) last.set(item.id, item.title); });
    const titles = await ctx.sql`select id, name from products where store_id = ${actor.storeId}`;
    expect(titles.filter((p) => p.name !== (last.get(p.id) ?? p.name)).length).toBe(0);
    expect(titles.filter((p) => last.has(p.id)).length).toBe(last.size);
    expect(await auditsOf(jobId, 'product.updated')).toEqual({ events: N - failed.length, products: last.size });
  });

  it('deletes every product exactly once: one audit event each, the item errors exact', { timeout: 120000 }, async () => {
    const ids = (await ctx.sql`select id from products where store_id = ${actor.storeId} order by sku`).map((p) => p.id as string);
    expect(ids.length).toBeGreaterThan(4 * CHUNK);
    // Every product, with a repeated id (PRD_004) and a text that is no id (VAL_001) now and then.
    const items: string[] = [];
    const failed: number[] = [];
    for (const [n, id] of ids.entries()) {
      items.push(id);
      if (n % 250 === 5) { failed.push(items.length); items.push(ids[n - 1]); }
      if (n % 333 === 9) { failed.push(items.length); items.push('not-an-id'); }
    }
    const { jobId, job } = await crashAndResume('BULK_DELETE', items);
    expect(job).toMatchObject({ status: 'COMPLETED', total_items: items.length, processed_items: ids.length, failed_items: failed.length });
    expect(errorIndexes(job)).toEqual(failed);
    expect(new Set(job.item_errors.map((e: any) => e.code))).toEqual(new Set(['PRD_004', 'VAL_001']));
    expect((await ctx.sql`select count(*)::int as n from products where store_id = ${actor.storeId}`)[0].n).toBe(0);
    expect(await auditsOf(jobId, 'product.deleted')).toEqual({ events: ids.length, products: ids.length });
  });
});
