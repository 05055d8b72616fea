import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { createPimActor, runJob, type PimActor } from '../helpers/pim.js';

// A BULK_UPDATE's items apply in their order, also where one gives up a SKU or external_id that
// another takes: the items of a chunk are written in passes (src/pim/bulk-job-passes.ts).
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

/** Products C and D of a new store: C holds BK-12 (external id c), D BK-11 (d). */
async function twoProducts(): Promise<{ a: PimActor; C: string; D: string }> {
  const a = await createPimActor(ctx);
  const [C, D] = [randomUUID(), randomUUID()];
  await ctx.sql`insert into products (store_id, id, name, sku, external_id) values
    (${a.storeId}, ${C}, 'C', 'BK-12', 'c'), (${a.storeId}, ${D}, 'D', 'BK-11', 'd')`;
  return { a, C, D };
}
const keys = async (a: PimActor) =>
  Object.fromEntries((await ctx.sql`select name, sku, external_id from products where store_id = ${a.storeId}`).map((p) => [p.name, [p.sku, p.external_id]]));
const taken = (index: number, key: 'sku' | 'external_id') =>
  ({ index, code: key === 'sku' ? 'PRD_003' : 'PRD_002', error: `${key} already exists` });

describe('a PIM bulk update moving a key from one product to another', () => {
  it('gives a SKU an earlier item frees to the later item that takes it', async () => {
    const { a, C, D } = await twoProducts();
    const job = await runJob(ctx, a, 'BULK_UPDATE', [{ id: C, sku: 'BK-12-new' }, { id: D, sku: 'BK-12' }]);
    expect(job).toMatchObject({ status: 'COMPLETED', processed_items: 2, failed_items: 0, item_errors: [] });
    expect(await keys(a)).toEqual({ C: ['BK-12-new', 'c'], D: ['BK-12', 'd'] });
  });

  it('also when the item freeing it is its product\'s second: D took BK-12 in the pass before C gave it up', async () => {
    const { a, C, D } = await twoProducts();
    const job = await runJob(ctx, a, 'BULK_UPDATE', [{ id: C, title: 'C2' }, { id: C, sku: 'BK-12-new' }, { id: D, sku: 'BK-12' }]);
    expect(job).toMatchObject({ status: 'COMPLETED', processed_items: 3, failed_items: 0, item_errors: [] });
    expect(await keys(a)).toEqual({ C2: ['BK-12-new', 'c'], D: ['BK-12', 'd'] });
  });

  it('does so for an external_id too, and along a chain of items', async () => {
    const { a, C, D } = await twoProducts();
    const job = await runJob(ctx, a, 'BULK_UPDATE', [
      { id: C, external_id: 'c2' }, { id: D, external_id: 'c', sku: 'BK-13' }, { id: C, sku: 'BK-11' },
    ]);
    expect(job).toMatchObject({ status: 'COMPLETED', processed_items: 3, failed_items: 0 });
    expect(await keys(a)).toEqual({ C: ['BK-11', 'c2'], D: ['BK-13', 'c'] });
  });

  it('fails an item taking a key a later item frees, as in item order, and a swap\'s both items', async () => {
    const { a, C, D } = await twoProducts();
    const first = await runJob(ctx, a, 'BULK_UPDATE', [{ id: D, sku: 'BK-12' }, { id: C, sku: 'BK-12-new' }]);
    expect(first).toMatchObject({ processed_items: 1, item_errors: [taken(0, 'sku')] });
    expect(await keys(a)).toEqual({ C: ['BK-12-new', 'c'], D: ['BK-11', 'd'] });
    // A swap in one job: each wants the key the other holds until it moves.
    const swap = await runJob(ctx, a, 'BULK_UPDATE', [{ id: C, external_id: 'd' }, { id: D, external_id: 'c' }]);
    expect(swap).toMatchObject({ status: 'FAILED', processed_items: 0, item_errors: [taken(0, 'external_id'), taken(1, 'external_id')] });
  });
});
