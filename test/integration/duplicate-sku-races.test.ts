import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { duplicateSkuRechecksDone } from '../helpers/duplicate-sku-rechecks.js';
import { writeProducts, type ProductWriteRow } from '../../src/catalog/product-writer.js';
import { afterProductsChanged } from '../../src/catalog/after-products-changed.js';
import { untilWaitingForLock } from '../helpers/lock-waits.js';

/**
 * DUPLICATE_SKU under concurrent writers (0123). Each writer runs what a chunk of catalog sync,
 * products/bulk or a PIM job runs in its transaction (writeProducts, then afterProductsChanged),
 * and the test decides when each one commits: the interleavings QA found by chance, made every
 * time. The writers' own evaluations cannot see each other's uncommitted rows; the follow-up each
 * queues, run by a real worker after its commit, must leave the issues right.
 */
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const created = (sku: string): ProductWriteRow => ({
  rowIndex: 0, mode: 'create', input: { externalId: `ext-${sku}`, name: sku, sku, price: 10, description: 'Described' }, placement: { kind: 'product', stock: 1 },
});
const renamed = (id: string, sku: string): ProductWriteRow => ({ rowIndex: 0, mode: 'update', id, input: { sku }, placement: { kind: 'none' } });

/**
 * A writer's transaction, started: `written` resolves once its rows are written and evaluated;
 * the transaction then stays open until `commit()`.
 */
function startWriter(storeId: string, row: ProductWriteRow) {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let wrote!: (id: string) => void;
  const ready = new Promise<string>((r) => { wrote = r; });
  const done = ctx.sql.begin(async (tx) => {
    const [outcome] = await writeProducts(tx, storeId, [row]);
    expect(outcome.ok).toBe(true);
    await afterProductsChanged(tx, storeId, [outcome.id!], { created: row.mode === 'create' });
    wrote(outcome.id!);
    await gate;
  });
  // A writer that fails rejects `written` too, rather than leave the test waiting.
  const written = Promise.race([ready, done.then(() => { throw new Error('the writer ended before its rows were written'); })]);
  return { written, commit: async () => { release(); await done; } };
}

/** A writer whose rows are written and evaluated, its transaction open. */
async function openWriter(storeId: string, row: ProductWriteRow) {
  const writer = startWriter(storeId, row);
  return { id: await writer.written, commit: writer.commit };
}

/** The store's open DUPLICATE_SKU issues, as `product name: message`, sorted. */
const openDuplicates = async (storeId: string) => (await ctx.sql<{ line: string }[]>`
  select p.name || ': ' || vi.message as line from validation_issues vi join products p on p.store_id = vi.store_id and p.id = vi.product_id
  where vi.store_id = ${storeId} and vi.code = 'DUPLICATE_SKU' and not vi.resolved order by 1`).map((r) => r.line);

describe('DUPLICATE_SKU with two writers at once', () => {
  it('is raised on both products when two writers create "C-1" and "c-1", neither seeing the other', async () => {
    const { storeId } = await createTestStore(ctx, 0);
    const first = await openWriter(storeId, created('C-1'));
    const second = await openWriter(storeId, created('c-1'));
    // Each evaluated its own product without the other's row: nothing raised.
    await second.commit();
    await first.commit();
    await duplicateSkuRechecksDone(ctx, storeId);
    expect(await openDuplicates(storeId)).toEqual([
      'C-1: Another product or variant of the store has the SKU C-1',
      'c-1: Another product or variant of the store has the SKU c-1',
    ]);
  });

  it('is resolved on both when an import of "s-1" flags X, whose "S-1" another writer renames to "R-1" meanwhile', async () => {
    const { storeId } = await createTestStore(ctx, 0);
    const x = await openWriter(storeId, created('S-1'));
    await x.commit();
    // The import sees X's S-1 and flags both, X included (0118); it stays open.
    const imported = await openWriter(storeId, created('s-1'));
    // The rename writes X and evaluates it: its evaluation waits for the import's issue rows of X
    // (both upsert X's open MISSING_PHOTOS), and goes on once the import committed, with what it
    // read before: no DUPLICATE_SKU of X's to resolve, and its holders' lookup (0088) found no open one.
    const renaming = startWriter(storeId, renamed(x.id, 'R-1'));
    await untilWaitingForLock(ctx.sql, 'evaluate_quality');
    await imported.commit();
    await renaming.written;
    await renaming.commit();
    await duplicateSkuRechecksDone(ctx, storeId);
    expect(await ctx.sql`select name, sku from products where store_id = ${storeId} order by name`)
      .toEqual([{ name: 'S-1', sku: 'R-1' }, { name: 's-1', sku: 's-1' }]);
    expect(await openDuplicates(storeId)).toEqual([]);
  });

  it('queues a follow-up for a chunk renaming many flagged products, not one a row (their rename triggers evaluate too)', async () => {
    const { storeId } = await createTestStore(ctx, 0);
    const skus = Array.from({ length: 20 }, (_, i) => [`D-${i}`, `d-${i}`]).flat();
    await ctx.sql.begin(async (tx) => {
      const outcomes = await writeProducts(tx, storeId, skus.map((sku, rowIndex) => ({ ...created(sku), rowIndex })));
      await afterProductsChanged(tx, storeId, outcomes.map((o) => o.id!), { created: true });
    });
    await duplicateSkuRechecksDone(ctx, storeId);
    expect(await openDuplicates(storeId)).toHaveLength(40);
    const lower = await ctx.sql<{ id: string; sku: string }[]>`select id, sku from products where store_id = ${storeId} and sku like 'd-%'`;
    const queued = await ctx.sql.begin(async (tx) => {
      const outcomes = await writeProducts(tx, storeId, lower.map((p, rowIndex) => ({ ...renamed(p.id, `${p.sku}-x`), rowIndex })));
      await afterProductsChanged(tx, storeId, outcomes.map((o) => o.id!));
      return (await tx`select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = 'catalog.recheck-duplicate-skus' and j.payload::jsonb @> jsonb_build_array(jsonb_build_object('storeId', ${storeId}::text))`)[0].n as number;
    });
    // One job for the transaction, every call's part in it.
    expect(queued).toBe(1);
    await duplicateSkuRechecksDone(ctx, storeId);
    expect(await openDuplicates(storeId)).toEqual([]);
  });
});
