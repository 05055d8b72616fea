import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest } from '../helpers/pim.js';
import { processBulkJob } from '../../src/pim/bulk-job-processing.js';

// No worker: the job is run here, twice at once, as a worker silent past WORKER_STALE_MS runs it on
// beside the worker that took it over (QA: a paused worker came back and counted every item again).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

describe('a PIM bulk job run by two workers at once', () => {
  it('counts every item once: the run that finds the progress moved past where it left it stops', async () => {
    const actor = await createPimActor(ctx);
    const items = Array.from({ length: 1600 }, (_, i) => ({ title: `Twice ${i}`, sku: `TW-${i}`, price: '1.00' }));
    const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: items });
    const id = res.json().data.id as string;
    await Promise.all([processBulkJob(ctx.sql, actor.storeId, id, actor.email), processBulkJob(ctx.sql, actor.storeId, id, actor.email)]);
    const [job] = await ctx.sql`select status, total_items, processed_items, failed_items, jsonb_array_length(item_errors) as errors from bulk_jobs where id = ${id}`;
    // Both counted every item without it: 3,200 counted, the second run's as PRD_002 failures.
    expect(job).toEqual({ status: 'COMPLETED', total_items: 1600, processed_items: 1600, failed_items: 0, errors: 0 });
    const [{ n }] = await ctx.sql`select count(*)::int as n from products where store_id = ${actor.storeId}`;
    expect(n).toBe(1600);
  });
});
