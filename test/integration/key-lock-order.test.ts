import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { deadlockedWhile, keyLockWaiters, until } from '../helpers/lock-waits.js';
import { acceptBatch } from '../../src/batches/batch-store.js';
import { processBatch } from '../../src/batches/process-batch.js';
import { unpackRows } from '../../src/batches/payload-codec.js';
import '../../src/catalog/product-batches.js'; // registers the products.bulk processor processBatch runs
import { processBulkJob } from '../../src/pim/bulk-job-processing.js';

// The store's key lock (0085, 0090) comes before the product rows on every path that changes a
// product's externalId or SKU: a writer of variants takes it exclusive and then locks a product's
// row, so a chunk that locked that row first and then asked for the lock (0090's trigger, at the
// end of its UPDATE) waited for it while it waited for the row: a deadlock (40P01).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct, productRow } = productPatchHelpers(() => ctx);

/**
 * While another writer of the store's variants holds the key lock: a PATCH giving product `id`
 * variants queues for it first, then `rename` (a chunk renaming that product, run here, so that
 * a deadlock it loses is seen rather than retried by a worker) runs until it waits for it too.
 * Once the holder commits, the PATCH takes the lock and wants the product's row. Answers how
 * both ended.
 */
async function renameDuringConversion(store: TestStore, id: string, rename: () => Promise<unknown>) {
  const holder = await ctx.sql.reserve();
  try {
    await holder`begin`;
    await holder`select lock_store_keys_for_variants(${store.storeId}::uuid)`;
    const converting = patch(store, id, { variants: { items: [{ sku: `${id}-v1`, price: 10 }] } });
    await until('the PATCH waiting for the key lock', async () => (await keyLockWaiters(ctx.sql, store.storeId)) === 1);
    const renaming = rename().then(() => 'done', (e) => e.code ?? e.message);
    await until('the chunk waiting for the key lock', async () => (await keyLockWaiters(ctx.sql, store.storeId)) === 2);
    await holder`commit`;
    const deadlocked = await deadlockedWhile(ctx.sql, store.storeId, Promise.all([converting, renaming]));
    const [res, chunk] = await Promise.all([converting, renaming]);
    return { patch: [res.statusCode, res.json().error?.code], chunk, deadlocked };
  } finally {
    holder.release();
  }
}

/**
 * A products/bulk batch updating product `id`, accepted without its job (removed in the accept's
 * transaction): the test applies it itself, when it chooses.
 */
async function updateBatch(store: TestStore, id: string, input: Record<string, unknown>) {
  return ctx.sql.begin(async (tx) => {
    const { batchId } = await acceptBatch(tx, {
      storeId: store.storeId, partnerId: store.partnerId, kind: 'products.bulk', requestId: randomUUID(), ip: null, total: 1, rejected: [],
      // The plan says the row renames, as accept finds it (product-rows.ts); PIM items are looked up.
      accepted: [{ rowIndex: 0, payload: { mode: 'update', id, placement: { kind: 'none' }, input, renames: true } }],
    });
    await tx`delete from graphile_worker._private_jobs where payload->>'batchId' = ${batchId}`;
    return batchId;
  });
}

describe('a chunk renaming a product while a PATCH gives it variants', () => {
  it('products/bulk: the chunk waits for the key lock before it locks the row, no deadlock', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'KO-B');
    const batchId = await updateBatch(store, id, { externalId: 'ext-KO-B', sku: 'KO-B-renamed', name: 'Renamed', price: 10 });
    const ended = await renameDuringConversion(store, id, () => processBatch(ctx.sql, store.storeId, batchId, 100));
    expect(ended).toEqual({ patch: [200, undefined], chunk: 'done', deadlocked: false });
    // The chunk ran after the PATCH: the product had variants by then, so its row failed.
    const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
    expect(outcomes.map((o: any) => [o.status, o.code])).toEqual([['FAILED', 'PRD_005']]);
    expect(await productRow(id)).toMatchObject({ has_variants: true, sku: null });
  });

  it('a PIM bulk update: the same', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'KO-P');
    // Inserted without its job, which the test runs.
    const [job] = await ctx.sql`insert into bulk_jobs (store_id, job_type, payload, created_by)
      values (${store.storeId}, 'BULK_UPDATE', ${JSON.stringify([{ id, sku: 'KO-P-renamed' }])}, 'user@org.example') returning id`;
    const ended = await renameDuringConversion(store, id, () => processBulkJob(ctx.sql, store.storeId, job.id, 'user@org.example'));
    expect(ended).toEqual({ patch: [200, undefined], chunk: 'done', deadlocked: false });
    const [after] = await ctx.sql`select processed_items, failed_items, item_errors from bulk_jobs where id = ${job.id}`;
    expect(after).toMatchObject({ processed_items: 0, failed_items: 1 });
    expect(await productRow(id)).toMatchObject({ has_variants: true, sku: null });
  });
});

describe('products/bulk accept', () => {
  it("marks the update rows that change their product's SKU (plan mode 'r'), which the writer locks for without a lookup", async () => {
    const store = await createTestStore(ctx, 0);
    const [a, b] = [await simpleProduct(store, 'KO-A'), await simpleProduct(store, 'KO-C')];
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/bulk', body: { products: [
      { id: a, externalId: 'ext-KO-A', sku: 'KO-A-renamed', name: 'A', price: 10 },
      { id: b, externalId: 'ext-KO-C', sku: 'KO-C', name: 'C', price: 10 },
      { externalId: 'ext-KO-new', sku: 'KO-new', name: 'New', price: 10 },
    ] } });
    const [batch] = await ctx.sql`select packed_rows, packed_body from batches where id = ${res.json().data.batchId}`;
    const { rows } = await unpackRows(batch.packed_rows, batch.packed_body);
    expect(rows.map(([i, plan]) => [i, (plan as unknown[])[0]])).toEqual([[0, 'r'], [1, 'u'], [2, 'c']]);
  });
});
