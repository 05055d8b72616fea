import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobHelpers } from 'graphile-worker';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { pollUntil, startTestWorker, waitForBatch } from '../helpers/worker.js';
import type { Transaction } from '../../src/db/database.js';
import type { BatchKind } from '../../src/batches/batch-store.js';
import { batchKind, registerBatchKind } from '../../src/batches/processors.js';
import { bulkTasks } from '../../src/batches/tasks.js';
import { acceptProductRows } from '../../src/catalog/product-rows.js';
import { acceptStockRows } from '../../src/inventory/stock-rows.js';
import { failUnprocessedRows } from '../../src/batches/batch-failure.js';
import { failAbandonedWork } from '../../src/jobs/abandoned-work.js';
import { createPimActor } from '../helpers/pim.js';
import { omni, omniJson } from '../helpers/cli.js';

// Two rows a chunk: a batch of four accepted rows is applied in two transactions.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { BATCH_CHUNK_SIZE: '2' } }); });
afterAll(async () => { await ctx.close(); });

const MAX_ATTEMPTS = 25; // src/jobs/enqueue.ts
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs the batch's job as graphile-worker runs its attempt `attempt` of MAX_ATTEMPTS. */
function runAttempt(store: TestStore, batchId: string, attempt: number) {
  const helpers = { job: { attempts: attempt, max_attempts: MAX_ATTEMPTS }, logger: silent } as unknown as JobHelpers;
  return bulkTasks(ctx.deps)['batch.process']({ storeId: store.storeId, batchId }, helpers);
}

/**
 * Accepts a request as its route does, and takes its job off the queue in the same transaction:
 * the test runs the job's attempts itself (this file's workers would take it otherwise).
 */
function acceptUnqueued(accept: (tx: Transaction) => Promise<{ batchId: string }>) {
  return ctx.sql.begin(async (tx) => {
    const { batchId } = await accept(tx);
    await tx`select graphile_worker.complete_jobs(array(select id from graphile_worker._private_jobs where payload->>'batchId' = ${batchId}))`;
    return batchId;
  });
}

/** Makes the kind's processing fail after its first chunk, as a lost connection or a bug would, until restored. */
function failAfterFirstChunk(kind: BatchKind) {
  const spec = batchKind(kind);
  let chunks = 0;
  const nextChunk = () => { if (chunks++ > 0) throw new Error('Connection terminated unexpectedly (test)'); };
  registerBatchKind(kind, 'applyChunk' in spec
    ? { ...spec, applyChunk: async (...args) => { nextChunk(); return spec.applyChunk(...args); } }
    : { process: async (...args) => { nextChunk(); return spec.process(...args); } });
  return () => registerBatchKind(kind, spec);
}

async function readOverHttp(store: TestStore, batchId: string) {
  const res = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` });
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

const completedEvents = (store: TestStore, type: string) =>
  ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = ${type}`;

const rowStates = (rows: { rowIndex: number; status: string; code: string | null }[]) => rows.map((r) => [r.rowIndex, r.status, r.code]);

const product = (n: number) => ({ externalId: `ext-${n}`, sku: `SKU-${n}`, name: `Product ${n}`, price: 10, stock: 1 });

/** A catalog sync of five rows: row 2 repeats row 0 (PRD_004 at accept), rows 0, 1, 3, 4 are accepted. */
function acceptCatalog(store: TestStore) {
  const rows = [product(0), product(1), product(0), product(3), product(4)];
  const body = Buffer.from(JSON.stringify({ products: rows }));
  return acceptUnqueued((tx) => acceptProductRows(tx, store, { requestId: randomUUID(), ip: null }, rows, 'sync', body));
}

/** A stock update of five rows on SKU-A..D: row 2's SKU is unknown (INV_001 at accept). */
async function acceptStock(store: TestStore) {
  await ctx.sql`insert into products (store_id, sku, name) select ${store.storeId}, s, s from unnest(array['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D']) s`;
  const items = [{ sku: 'SKU-A', stock: 5 }, { sku: 'SKU-B', stock: 6 }, { sku: 'NOPE', stock: 7 }, { sku: 'SKU-C', stock: 8 }, { sku: 'SKU-D', stock: 9 }];
  return acceptUnqueued((tx) => acceptStockRows(tx, store, { requestId: randomUUID(), ip: null }, items));
}

/**
 * Runs the batch's job while its processing fails after the first chunk: an attempt that is not
 * the last leaves the batch to the next one (PROCESSING, no completed event); the last one gives up.
 */
async function exhaustAttempts(store: TestStore, batchId: string, kind: BatchKind, completedEvent: string) {
  const restore = failAfterFirstChunk(kind);
  try {
    await expect(runAttempt(store, batchId, 1)).rejects.toThrow('Connection terminated');
    expect(await readOverHttp(store, batchId)).toMatchObject({ status: 'PROCESSING', completedAt: null, summary: { total: 5, succeeded: 2, failed: 1, pending: 2 } });
    expect(await completedEvents(store, completedEvent)).toEqual([]);
    // The last attempt's error still reaches graphile-worker, which keeps the job, failed, with it.
    await expect(runAttempt(store, batchId, MAX_ATTEMPTS)).rejects.toThrow('Connection terminated');
  } finally {
    restore();
  }
}

describe('a batch whose processing job fails on its last attempt', () => {
  it('product batch: ends FAILED, its unprocessed rows failed BAT_003, the applied and refused ones as they were, with its completed event', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const batchId = await acceptCatalog(store);
    await exhaustAttempts(store, batchId, 'catalog.sync', 'catalog.sync.completed');

    const batch = await readOverHttp(store, batchId);
    expect(batch).toMatchObject({ status: 'FAILED', summary: { total: 5, succeeded: 2, failed: 3, pending: 0 } });
    expect(batch.completedAt).not.toBeNull();
    expect(rowStates(batch.rows)).toEqual([[0, 'SUCCEEDED', null], [1, 'SUCCEEDED', null], [2, 'FAILED', 'PRD_004'], [3, 'FAILED', 'BAT_003'], [4, 'FAILED', 'BAT_003']]);
    expect(batch.rows[3]).toMatchObject({ message: 'Row could not be processed', details: { context: { reason: `Processing failed on all ${MAX_ATTEMPTS} attempts` } }, result: null });
    expect(await ctx.sql`select sku from products where store_id = ${store.storeId} order by sku`).toEqual([{ sku: 'SKU-0' }, { sku: 'SKU-1' }]);
    const events = await completedEvents(store, 'catalog.sync.completed');
    expect(events.map((e) => [e.payload.batchId, e.payload.status, e.payload.summary])).toEqual([[batchId, 'FAILED', { total: 5, succeeded: 2, failed: 3 }]]);

    // Nothing is done twice: the job run again finds nothing left, and giving up again is a no-op.
    await runAttempt(store, batchId, MAX_ATTEMPTS);
    expect(await failUnprocessedRows(ctx.sql, store.storeId, batchId, 'again')).toBe(false);
    expect(await readOverHttp(store, batchId)).toEqual(batch);
    expect(await completedEvents(store, 'catalog.sync.completed')).toHaveLength(1);
  });

  it('stock batch: ends FAILED, its unprocessed rows failed BAT_003 and their stock untouched, with its completed event', async () => {
    const store = await createTestStore(ctx, 1);
    await subscribeToAllEvents(ctx, store);
    const batchId = await acceptStock(store);
    await exhaustAttempts(store, batchId, 'inventory', 'stock.update.completed');

    const batch = await readOverHttp(store, batchId);
    expect(batch).toMatchObject({ status: 'FAILED', summary: { total: 5, succeeded: 2, failed: 3, pending: 0 } });
    expect(rowStates(batch.rows)).toEqual([[0, 'SUCCEEDED', null], [1, 'SUCCEEDED', null], [2, 'FAILED', 'INV_001'], [3, 'FAILED', 'BAT_003'], [4, 'FAILED', 'BAT_003']]);
    expect(batch.rows[0].result).toMatchObject({ target: 'product' });
    const stock = await ctx.sql`select sku, stock from products_with_stock where store_id = ${store.storeId} order by sku`;
    expect(stock).toEqual([{ sku: 'SKU-A', stock: 5 }, { sku: 'SKU-B', stock: 6 }, { sku: 'SKU-C', stock: 0 }, { sku: 'SKU-D', stock: 0 }]);
    const events = await completedEvents(store, 'stock.update.completed');
    expect(events.map((e) => [e.payload.status, e.payload.summary])).toEqual([['FAILED', { total: 5, succeeded: 2, failed: 3 }]]);
  });

  it('omni admin batch retry runs its BAT_003 rows again: the batch completes, its other rows kept', { timeout: 60000 }, async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const batchId = await acceptCatalog(store);
    await exhaustAttempts(store, batchId, 'catalog.sync', 'catalog.sync.completed');

    expect(await omniJson('admin', 'batch', 'retry', '--batch', batchId)).toEqual({ batchId, rows: 2 });
    const worker = await startTestWorker(ctx);
    try {
      await waitForBatch(ctx, batchId);
    } finally {
      await worker.stop();
    }
    const batch = await readOverHttp(store, batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED', summary: { total: 5, succeeded: 4, failed: 1, pending: 0 } });
    expect(rowStates(batch.rows)).toEqual([[0, 'SUCCEEDED', null], [1, 'SUCCEEDED', null], [2, 'FAILED', 'PRD_004'], [3, 'SUCCEEDED', null], [4, 'SUCCEEDED', null]]);
    // A new fact, a new event (README, Decisions): its own id, which deliveries send as webhook-id,
    // the batch's final status and counts, and a later completedAt; the first one stays as sent.
    const events = await ctx.sql`select id, payload from outbox_events where store_id = ${store.storeId} and type = 'catalog.sync.completed' order by id`;
    expect(events.map((e) => [e.payload.batchId, e.payload.status, e.payload.summary])).toEqual([
      [batchId, 'FAILED', { total: 5, succeeded: 2, failed: 3 }], [batchId, 'COMPLETED', { total: 5, succeeded: 4, failed: 1 }]]);
    expect(Date.parse(events[1].payload.completedAt)).toBeGreaterThan(Date.parse(events[0].payload.completedAt));
    expect(Date.parse(events[1].payload.completedAt)).toBe(Date.parse(batch.completedAt));
    const deliveries = await ctx.sql`select distinct event_id from webhook_deliveries where event_id = any(${events.map((e) => e.id)}::uuid[])`;
    expect(deliveries).toHaveLength(2);
    // A batch not given up on has nothing to run again.
    const again = await omni('admin', 'batch', 'retry', '--batch', batchId, '--json');
    expect([again.code, again.stderr.trim()]).toEqual([1, `error: batch ${batchId} is COMPLETED, not given up on: nothing to run again `
      + `(a row that failed has its own code: the partner fixes it and sends it again; GET /api/v1/partner/stores/batches/${batchId} shows its rows and their codes)`]);
  });

  it('omni admin batch retry says what to do instead: an unknown id, rows no longer held', { timeout: 60000 }, async () => {
    const unknown = await omni('admin', 'batch', 'retry', '--batch', 'pb_nothing');
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'error: no batch pb_nothing: give the batchId its request answered (pb_… or a uuid)']);
    const store = await createTestStore(ctx, 0);
    const batchId = await acceptCatalog(store);
    await exhaustAttempts(store, batchId, 'catalog.sync', 'catalog.sync.completed');
    // `batch list` finds it, with the rows `batch retry` would run again.
    expect(await omniJson('admin', 'batch', 'list', '--store', store.storeClientId, '--status', 'FAILED')).toEqual({ batches: [{
      batchId, kind: 'catalog.sync', status: 'FAILED', total: 5, succeeded: 2, failed: 3, pending: 0, retryable: 2, createdAt: expect.any(String), completedAt: expect.any(String) }] });
    expect((await omni('admin', 'batch', 'list', '--store', store.storeClientId, '--status', 'COMPLETED')).stdout).toBe('batches: none\n');
    await ctx.sql`update batches set packed_rows = null, payload = null where store_id = ${store.storeId} and id = ${batchId}`;
    const gone = await omni('admin', 'batch', 'retry', '--batch', batchId);
    expect(gone.stderr.trim()).toBe(`error: batch ${batchId} no longer holds the rows it accepted (kept BATCH_BODY_RETENTION_DAYS days after it completed, 7 by default): `
      + `the partner must send its 2 rows failed BAT_003 again (GET /api/v1/partner/stores/batches/${batchId} shows its rows and their codes)`);
    expect((await readOverHttp(store, batchId)).status).toBe('FAILED');
  });

  it('omni admin batch retry refuses a batch whose partner no longer operates the store (unbound, ended, moved)', { timeout: 60000 }, async () => {
    const store = await createTestStore(ctx, 0);
    const batchId = await acceptCatalog(store);
    await exhaustAttempts(store, batchId, 'catalog.sync', 'catalog.sync.completed');
    const refusal = `error: batch ${batchId} was sent by a partner that no longer operates store ${store.storeClientId} (unbound, its authorization ended, `
      + 'or the store moved to another partner): its rows are not written now; they go again through the partner operating the store';
    // The store's token revoked (an unbind, or an operator's revoke-token): its rows were run again into it.
    const [token] = await ctx.sql`update store_tokens set revoked_at = now() where store_id = ${store.storeId} and revoked_at is null returning id`;
    const unbound = await omni('admin', 'batch', 'retry', '--batch', batchId);
    expect([unbound.code, unbound.stderr.trim()]).toEqual([1, refusal]);
    // The store moved to another partner, with a live token of its own.
    await ctx.sql`update store_tokens set revoked_at = null where id = ${token.id}`;
    const other = await createTestStore(ctx, 0);
    await ctx.sql`update stores set partner_id = (select partner_id from stores where id = ${other.storeId}) where id = ${store.storeId}`;
    expect((await omni('admin', 'batch', 'retry', '--batch', batchId)).stderr.trim()).toBe(refusal);
    expect((await ctx.sql`select status, pending from batches where id = ${batchId}`)[0]).toEqual({ status: 'FAILED', pending: 0 });
    // `batch list --partner` names the batches a partner sent: the moved store's stay the sender's,
    // with nothing `batch retry` runs again (they were listed under the new partner, retryable: QA).
    expect(await omniJson('admin', 'batch', 'list', '--partner', other.partnerClientId)).toEqual({ batches: [] });
    expect((await omniJson('admin', 'batch', 'list', '--partner', store.partnerClientId)).batches.map((b: any) => [b.batchId, b.retryable])).toEqual([[batchId, 0]]);
    // Back with its partner: run again.
    await ctx.sql`update stores set partner_id = (select partner_id from batches where id = ${batchId}) where id = ${store.storeId}`;
    expect(await omniJson('admin', 'batch', 'retry', '--batch', batchId)).toEqual({ batchId, rows: 2 });
  });
});

describe('a batch whose stored rows cannot be read', () => {
  it('ends FAILED on its first attempt (no retries), product and stock batches alike, and leaves no job behind', async () => {
    const worker = await startTestWorker(ctx);
    try {
      const products = await createTestStore(ctx, 0);
      await subscribeToAllEvents(ctx, products);
      // Accepted, then its packed rows damaged before the job can run: they no longer decompress.
      const productBatch = await ctx.sql.begin(async (tx) => {
        const rows = [product(0), product(1)];
        const { batchId } = await acceptProductRows(tx, products, { requestId: randomUUID(), ip: null }, rows, 'sync', Buffer.from(JSON.stringify({ products: rows })));
        await tx`update batches set packed_rows = '\\x0102'::bytea where store_id = ${products.storeId} and id = ${batchId}`;
        return batchId;
      });
      const stock = await createTestStore(ctx, 1);
      await subscribeToAllEvents(ctx, stock);
      // Accepted without the rows PostgreSQL applies it from.
      await ctx.sql`insert into products (store_id, sku, name) values (${stock.storeId}, 'SKU-A', 'A')`;
      const stockBatch = await ctx.sql.begin(async (tx) => {
        const { batchId } = await acceptStockRows(tx, stock, { requestId: randomUUID(), ip: null }, [{ sku: 'SKU-A', stock: 3 }, { sku: 'NOPE', stock: 1 }]);
        await tx`delete from batch_stock_rows where store_id = ${stock.storeId} and batch_id = ${batchId}`;
        return batchId;
      });

      const cases = [
        { store: products, batchId: productBatch, event: 'catalog.sync.completed', rows: [[0, 'FAILED', 'BAT_003'], [1, 'FAILED', 'BAT_003']] },
        { store: stock, batchId: stockBatch, event: 'stock.update.completed', rows: [[0, 'FAILED', 'BAT_003'], [1, 'FAILED', 'INV_001']] },
      ];
      for (const { store, batchId, event, rows } of cases) {
        await waitForBatch(ctx, batchId);
        const batch = await readOverHttp(store, batchId);
        expect(batch).toMatchObject({ status: 'FAILED', summary: { total: 2, succeeded: 0, failed: 2, pending: 0 } });
        expect(rowStates(batch.rows)).toEqual(rows);
        expect(batch.rows[0].details).toEqual({ context: { reason: 'The rows the batch accepted could not be read' } });
        const events = await completedEvents(store, event);
        expect(events.map((e) => e.payload.status)).toEqual(['FAILED']);
        // Not retried: the job ended with the batch (its row goes once the worker records it done,
        // just after the batch's transaction; a retried job would stay, scheduled).
        await pollUntil('the job recorded done', async () => {
          const [jobs] = await ctx.sql`select count(*)::int as n from graphile_worker._private_jobs where payload->>'batchId' = ${batchId}`;
          return jobs.n === 0;
        }, 5000);
      }
    } finally {
      await worker.stop();
    }
  });
});

describe('work that no job will run again (abandoned:fail, hourly)', () => {
  // Older than the grace used here (a week): the file's other tests' work is younger.
  const GRACE_MINUTES = 7 * 24 * 60;
  const backdate = (batchId: string) => ctx.sql`update batches set created_at = now() - interval '8 days' where id = ${batchId}`;
  /** The batch's job as graphile-worker holds one: `failed` as one whose last attempt failed, else due tomorrow. */
  const addJob = async (store: TestStore, batchId: string, failed: boolean) => {
    const [job] = await ctx.sql`select id from graphile_worker.add_job('batch.process', ${ctx.sql.json({ storeId: store.storeId, batchId })}::json,
      run_at => now() + interval '1 day', max_attempts => ${failed ? 1 : MAX_ATTEMPTS})`;
    if (failed) await ctx.sql`update graphile_worker._private_jobs set attempts = 1, last_error = 'database unreachable (test)' where id = ${job.id}`;
  };

  it('ends FAILED a batch whose job failed for good or is gone, and a PIM job alike; leaves work with a live job, and young work', async () => {
    const store = await createTestStore(ctx, 0);
    await subscribeToAllEvents(ctx, store);
    const [gone, failedForGood, waiting, young] = [await acceptCatalog(store), await acceptCatalog(store), await acceptCatalog(store), await acceptCatalog(store)];
    await addJob(store, failedForGood, true);
    await addJob(store, waiting, false);
    for (const id of [gone, failedForGood, waiting]) await backdate(id);
    const pim = await createPimActor(ctx);
    const [bulk] = await ctx.sql`insert into bulk_jobs (store_id, job_type, payload, created_by, created_at)
      values (${pim.storeId}, 'BULK_IMPORT', '[{"title":"A"},{"title":"B"}]', ${pim.email}, now() - interval '8 days') returning id`;

    const ended = await failAbandonedWork(ctx.sql, GRACE_MINUTES);
    expect(ended.batches).toBeGreaterThanOrEqual(2);
    expect(ended.bulkJobs).toBeGreaterThanOrEqual(1);
    for (const id of [gone, failedForGood]) {
      const batch = await readOverHttp(store, id);
      expect(batch).toMatchObject({ status: 'FAILED', summary: { total: 5, succeeded: 0, failed: 5, pending: 0 } });
      expect(rowStates(batch.rows)).toEqual([[0, 'FAILED', 'BAT_003'], [1, 'FAILED', 'BAT_003'], [2, 'FAILED', 'PRD_004'], [3, 'FAILED', 'BAT_003'], [4, 'FAILED', 'BAT_003']]);
      expect(batch.rows[0].details.context.reason).toMatch(/^Processing stopped/);
    }
    for (const id of [waiting, young]) expect(await readOverHttp(store, id)).toMatchObject({ status: 'PENDING', summary: { pending: 4 } });
    const events = await completedEvents(store, 'catalog.sync.completed');
    expect(events.map((e) => e.payload.batchId).sort()).toEqual([gone, failedForGood].sort());
    const [job] = await ctx.sql`select status, failed_items, item_errors from bulk_jobs where id = ${bulk.id}`;
    expect(job.status).toBe('FAILED');
    expect(job.item_errors.map((e: any) => e.error)).toEqual([expect.stringMatching(/^not processed: Processing stopped/), expect.stringMatching(/^not processed/)]);
    expect(job.item_errors.map((e: any) => e.code)).toEqual(['BAT_003', 'BAT_003']);

    // Run again: nothing more.
    await failAbandonedWork(ctx.sql, GRACE_MINUTES);
    expect(await completedEvents(store, 'catalog.sync.completed')).toHaveLength(2);
    await ctx.sql`select graphile_worker.complete_jobs(array(select id from graphile_worker._private_jobs where payload->>'batchId' = any(${[failedForGood, waiting]})))`;
  });
});
