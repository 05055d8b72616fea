import type { TestContext } from './test-app.js';
import { pollUntil } from './worker.js';
import { DUPLICATE_SKU_RECHECK_TASK } from '../../src/catalog/duplicate-sku-recheck.js';

/**
 * Waits until none of the store's DUPLICATE_SKU follow-ups (0123) is left to run (graphile-worker
 * deletes a job that succeeded): a test that sets issues by hand does so after them, so that a
 * follow-up of its earlier writes does not evaluate the products again under it.
 */
export async function duplicateSkuRechecksDone(ctx: TestContext, storeId: string): Promise<void> {
  await pollUntil('the DUPLICATE_SKU follow-ups of the store', async () => (await ctx.sql`
    select 1 from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${DUPLICATE_SKU_RECHECK_TASK} and j.payload::jsonb @> jsonb_build_array(jsonb_build_object('storeId', ${storeId}::text))`).length === 0, 20000);
}
