import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest, type PimActor } from '../helpers/pim.js';
import { pollUntil } from '../helpers/worker.js';
import { waitingForLock } from '../helpers/lock-waits.js';
import { JobTakenOver, processBulkJob } from '../../src/pim/bulk-job-processing.js';
import { pimTasks } from '../../src/pim/tasks.js';

// No worker: the job is run here, as a worker silent past WORKER_STALE_MS runs it on beside the
// worker that took it over (QA: a paused worker came back and counted every item again).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

async function importJob(actor: PimActor, prefix: string, n: number) {
  const items = Array.from({ length: n }, (_, i) => ({ title: `${prefix} ${i}`, sku: `${prefix}-${i}`, price: '1.00' }));
  const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: items });
  return res.json().data.id as string;
}
const jobRow = async (id: string) => (await ctx.sql`
  select status, total_items, processed_items, failed_items, jsonb_array_length(item_errors) as errors from bulk_jobs where id = ${id}`)[0];

describe('a PIM bulk job run by two workers at once', () => {
  it('counts every item once: the run that finds the progress moved past where it left it stops, failing', async () => {
    const actor = await createPimActor(ctx);
    const id = await importJob(actor, 'TW', 1600);
    const runs = await Promise.allSettled([processBulkJob(ctx.sql, actor.storeId, id, actor.email), processBulkJob(ctx.sql, actor.storeId, id, actor.email)]);
    expect(runs.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(runs.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(JobTakenOver) });
    // Both counted every item without it: 3,200 counted, the second run's as PRD_002 failures.
    expect(await jobRow(id)).toEqual({ status: 'COMPLETED', total_items: 1600, processed_items: 1600, failed_items: 0, errors: 0 });
    const [{ n }] = await ctx.sql`select count(*)::int as n from products where store_id = ${actor.storeId}`;
    expect(n).toBe(1600);
  });

  it('the run taken over, on its last attempt, leaves the job to the other worker: it does not end it FAILED', async () => {
    const actor = await createPimActor(ctx);
    const id = await importJob(actor, 'TO', 1500);
    const task = pimTasks(ctx.deps)['pim.bulk-job'];
    const held = await ctx.sql.reserve();
    try {
      await held`begin`;
      const lastAttempt = { job: { attempts: 25, max_attempts: 25 } } as any;
      const run = Promise.resolve(task({ storeId: actor.storeId, jobId: id, actor: actor.email }, lastAttempt));
      run.catch(() => {});
      await pollUntil('the job started', async () => (await jobRow(id)).status === 'PROCESSING');
      await held`select 1 from bulk_jobs where id = ${id} for update`;
      await pollUntil('a count waiting for the job row', () => waitingForLock(ctx.sql, 'update bulk_jobs set processed_items'));
      // Another worker counts meanwhile (the row lock held here stands for its transaction).
      await held`update bulk_jobs set failed_items = failed_items + 1 where id = ${id}`;
      await held`commit`;
      await expect(run).rejects.toBeInstanceOf(JobTakenOver);
    } finally {
      held.release();
    }
    // It was ended FAILED (failBulkJob) while the other worker still ran it.
    expect((await jobRow(id)).status).toBe('PROCESSING');
  });
});
