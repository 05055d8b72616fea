import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, subscribeToAllEvents, signedInject, type TestContext } from '../helpers/test-app.js';
import { killWorkerProcess, pollUntil, spawnWorkerProcess, startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { WORKER_STALE_MS: '1000' } }); });
afterAll(async () => { await ctx.close(); });

describe('a worker killed mid-batch', () => {
  it('loses nothing and applies nothing twice: another worker finishes the batch', { timeout: 90000 }, async () => {
    const store = await createTestStore(ctx, 2);
    await subscribeToAllEvents(ctx, store);
    const products = Array.from({ length: 1000 }, (_, n) => ({ externalId: `crash-${n}`, sku: `CR-${n}`, name: `Crash ${n}`, price: 10, stock: 3 }));
    const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products } });
    const { batchId } = res.json().data;

    // 5 rows per transaction, so that the batch takes a while.
    const child = spawnWorkerProcess({ BATCH_CHUNK_SIZE: '5' });
    const deadline = Date.now() + 60000;
    for (;;) {
      const [b] = await ctx.sql`select succeeded, pending from batches where id = ${batchId}`;
      if (b.succeeded >= 50) break;
      if (Date.now() > deadline) throw new Error('the child worker never started the batch');
      await new Promise((r) => setTimeout(r, 20));
    }
    await killWorkerProcess(child);
    const [mid] = await ctx.sql`select succeeded, pending from batches where id = ${batchId}`;
    expect(mid.pending).toBeGreaterThan(0);
    // The dead worker's job is still locked: only the liveness check can free it.
    const [locked] = await ctx.sql`
      select count(*)::int as n from graphile_worker._private_jobs where payload->>'batchId' = ${batchId} and locked_by is not null`;
    expect(locked.n).toBe(1);

    // A surviving worker notices the silent one within WORKER_STALE_MS and takes its job over.
    const worker = await startTestWorker(ctx);
    try {
      const batch = await waitForBatch(ctx, batchId, 60000);
      expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1000, failed: 0, pending: 0 });
    } finally {
      await worker.stop();
    }
    const [counts] = await ctx.sql`
      select count(*)::int as products, count(distinct external_id)::int as distinct_ids,
        (select count(*)::int from warehouse_stock ws where ws.store_id = ${store.storeId}) as stock_rows,
        (select count(*)::int from audit_events a, jsonb_array_elements_text(a.changes->'products') where a.store_id = ${store.storeId} and a.action = 'products.created') as audits,
        (select count(distinct x)::int from audit_events a, jsonb_array_elements_text(a.changes->'products') x where a.store_id = ${store.storeId} and a.action = 'products.created') as audited,
        (select count(*)::int from outbox_events o where o.store_id = ${store.storeId} and o.type = 'product.created') as events,
        (select count(*)::int from batches b, jsonb_array_elements(b.outcomes) o where b.id = ${batchId} and o->>'status' = 'SUCCEEDED') as rows_done,
        (select count(distinct o->>'rowIndex')::int from batches b, jsonb_array_elements(b.outcomes) o where b.id = ${batchId}) as distinct_outcomes
      from products where store_id = ${store.storeId}`;
    expect(counts).toEqual({ products: 1000, distinct_ids: 1000, stock_rows: 2000, audits: 1000, audited: 1000, events: 1000, rows_done: 1000, distinct_outcomes: 1000 });
  });

  it('stopped (SIGTERM) and killed before its shutdown ends: another worker still finishes the batch', { timeout: 90000 }, async () => {
    const { batchId, child } = await workerMidBatch('term-kill');
    child.kill('SIGTERM');
    // Its job runs on during the shutdown; the kill lands before it ends (as a supervisor's
    // stop timeout does). The dead worker's heartbeat was deleted as the shutdown began, so
    // no surviving worker freed its job: the batch waited 4 hours for graphile-worker's own.
    await new Promise((r) => setTimeout(r, 100));
    await killWorkerProcess(child);
    const [mid] = await ctx.sql`select pending from batches where id = ${batchId}`;
    expect(mid.pending).toBeGreaterThan(0);
    const logged: { msg: string }[] = [];
    const worker = await startTestWorker(ctx, pino({ level: 'info' }, { write: (line: string) => { logged.push(JSON.parse(line)); } }));
    try {
      expect(await waitForBatch(ctx, batchId, 30000)).toMatchObject({ status: 'COMPLETED', succeeded: 1000, failed: 0, pending: 0 });
    } finally {
      await worker.stop();
    }
    // An operator reads when a worker started and when it took a dead one's jobs over.
    expect(logged.map((l) => l.msg)).toEqual(expect.arrayContaining([
      'job worker started: 4 jobs and 4 webhook deliveries at once',
      'job worker: freed the jobs of a worker silent for WORKER_STALE_MS (1.0 s); they run again',
    ]));
    const [counts] = await ctx.sql`select count(*)::int as products, count(distinct external_id)::int as distinct_ids from products where external_id like 'term-kill-%'`;
    expect(counts).toEqual({ products: 1000, distinct_ids: 1000 });
  });

  it('stopped (SIGTERM, sent twice): finishes its job and records it done before it exits', { timeout: 90000 }, async () => {
    const { batchId, child } = await workerMidBatch('term');
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    // A second one (a supervisor repeating it) ended the process at once, its job left locked.
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const [batch] = await ctx.sql`select status, succeeded, pending from batches where id = ${batchId}`;
    expect(batch).toEqual({ status: 'COMPLETED', succeeded: 1000, pending: 0 });
    // Its outcome was recorded (the job deleted) before the process ended: not left locked, to run again.
    const [job] = await ctx.sql`select count(*)::int as n from graphile_worker._private_jobs where payload->>'batchId' = ${batchId}`;
    expect(job.n).toBe(0);
  });
});

/** A catalog sync of 1,000 rows that a worker process of its own is applying 5 rows a transaction, 50 of them done. */
async function workerMidBatch(prefix: string) {
  const store = await createTestStore(ctx, 2);
  const products = Array.from({ length: 1000 }, (_, n) => ({ externalId: `${prefix}-${n}`, sku: `${prefix.toUpperCase()}-${n}`, name: `Stop ${n}`, price: 10, stock: 3 }));
  const res = await signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products } });
  const { batchId } = res.json().data;
  const child = spawnWorkerProcess({ BATCH_CHUNK_SIZE: '5' });
  await pollUntil('the child worker starting the batch', async () => {
    const [b] = await ctx.sql`select succeeded from batches where id = ${batchId}`;
    return b.succeeded >= 50;
  });
  return { batchId, child };
}
