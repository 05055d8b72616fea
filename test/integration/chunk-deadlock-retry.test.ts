import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import { blocksAnother, until } from '../helpers/lock-waits.js';
import { processBatch } from '../../src/batches/process-batch.js';
import '../../src/catalog/product-batches.js'; // registers the products.bulk processor processBatch runs
import { processBulkJob } from '../../src/pim/bulk-job-processing.js';

/**
 * Runs `work` while a holder transaction, which locked `first`'s rows, waits for `then`'s once
 * `work` waits for it: PostgreSQL ends `work`'s transaction (the holder waits longer before it
 * looks for a deadlock). Answers how `work` ended.
 */
async function deadlockAgainst(first: string, then: string, work: () => Promise<unknown>) {
  const holder = await ctx.sql.reserve();
  try {
    await holder`begin`;
    await holder`set local deadlock_timeout = '20s'`;
    await holder.unsafe(first);
    const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const working = work().then(() => 'done', (err) => err.code ?? err.message);
    await until('the work waiting for the holder', () => blocksAnother(ctx.sql, pid));
    await holder.unsafe(then);
    await holder`commit`;
    return await working;
  } finally {
    holder.release();
  }
}

// A chunk PostgreSQL ends to break a deadlock runs again at once (process-batch.ts, lost-races.ts).
// Before, the job failed with 40P01, logged at error level, and the batch waited for the job's
// retry (QA and review saw about one a stress run: a stock chunk against a with-variants chunk).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { accept } = batchOrderHelpers(() => ctx);
const { simpleProduct } = productPatchHelpers(() => ctx);

describe('a batch chunk that loses a deadlock', () => {
  it('runs again and the batch completes, the retry logged', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'DL-1');
    const batchId = await accept(store, 'POST', '/api/v1/partner/stores/products/bulk',
      { products: [{ id, externalId: 'ext-DL-1', sku: 'DL-1', name: 'After the deadlock', price: 12 }] });
    const retries: Record<string, unknown>[] = [];
    // The holder locks the product's row, the chunk its batch's row and then waits for the product's.
    expect(await deadlockAgainst(`select 1 from products where id = '${id}' for update`, `update batches set status = status where id = '${batchId}'`,
      () => processBatch(ctx.sql, store.storeId, batchId, 100, (_message, meta) => { retries.push(meta); }))).toBe('done');
    // Once the chunk is ended its retry can lock the batch's row before the waking holder does: a
    // second deadlock, retried as the first (seen once on a loaded machine), so only the first is fixed here.
    expect(retries[0]).toEqual({ batchId, storeId: store.storeId, attempt: 1 });
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_r, i) => i + 1));
    const [batch] = await ctx.sql`select status, succeeded, failed from batches where id = ${batchId}`;
    expect(batch).toEqual({ status: 'COMPLETED', succeeded: 1, failed: 0 });
    const [product] = await ctx.sql`select name, price::float8 from products where id = ${id}`;
    expect(product).toEqual({ name: 'After the deadlock', price: 12 });
  });

  it('a PIM bulk job\'s transaction too, from the progress it started with', async () => {
    const store = await createTestStore(ctx, 0);
    const a = await simpleProduct(store, 'DL-A');
    const b = await simpleProduct(store, 'DL-B');
    const [job] = await ctx.sql`insert into bulk_jobs (store_id, job_type, payload, created_by)
      values (${store.storeId}, 'BULK_UPDATE', ${JSON.stringify([{ id: a, title: 'A renamed' }, { id: b, title: 'B renamed' }])}, 'user@org.example') returning id`;
    // The holder locks B; the job's chunk writes A and waits for B; the holder then asks for A.
    expect(await deadlockAgainst(`select 1 from products where id = '${b}' for update`, `select 1 from products where id = '${a}' for update`,
      () => processBulkJob(ctx.sql, store.storeId, job.id, 'user@org.example'))).toBe('done');
    const [after] = await ctx.sql`select status, processed_items, failed_items from bulk_jobs where id = ${job.id}`;
    expect(after).toEqual({ status: 'COMPLETED', processed_items: 2, failed_items: 0 });
    expect((await ctx.sql`select name from products where id in ${ctx.sql([a, b])} order by name`).map((r) => r.name)).toEqual(['A renamed', 'B renamed']);
  });
});
