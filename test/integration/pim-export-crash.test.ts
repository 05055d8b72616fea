import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { killWorkerProcess, pollUntil, spawnWorkerProcess, startTestWorker } from '../helpers/worker.js';
import { createPimActor, pimRequest, type PimActor } from '../helpers/pim.js';
import { lockWaiters, untilBackendsGone, waitingForLock } from '../helpers/lock-waits.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { failAbandonedWork } from '../../src/jobs/abandoned-work.js';

let ctx: TestContext;
let actor: PimActor;
beforeAll(async () => {
  ctx = await createTestApp({ env: { WORKER_STALE_MS: '1000' } });
  actor = await createPimActor(ctx);
  // Subscribed to export.completed, so that the event is written (port 9 refuses its deliveries at once).
  const [{ partner_id: partnerId }] = await ctx.sql`select partner_id from stores where id = ${actor.storeId}`;
  await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, partnerId, { url: 'http://127.0.0.1:9/hooks', eventTypes: ['export.completed'] });
});
afterAll(async () => { await ctx.close(); });

const N = 4000;

const exportRow = async (id: string) => (await ctx.sql`select status, products from catalog_exports where id = ${id}`)[0];
const completedEvents = async () => (await ctx.sql`
  select payload from outbox_events where store_id = ${actor.storeId} and type = 'export.completed'`).map((e) => e.payload);

/**
 * Runs `omni worker` in a process of its own and SIGKILLs it while it works on the export: once
 * `started` resolves, the export's row is locked here and the worker killed as soon as its
 * statement holding `waitingFor` waits for that lock.
 */
async function killExportWorker(exportId: string, waitingFor: string, started = async () => {}) {
  const child = spawnWorkerProcess();
  let dead: number[] = [];
  try {
    await started();
    const held = await ctx.sql.reserve();
    try {
      await held`begin`;
      await held`select from catalog_exports where id = ${exportId} for update`;
      await pollUntil(`the export's worker waiting at ${waitingFor}`, () => waitingForLock(ctx.sql, waitingFor));
      dead = await lockWaiters(ctx.sql, waitingFor);
      await killWorkerProcess(child);
    } finally {
      await held`rollback`;
      held.release();
    }
    // The killed worker's waiting backend ends once it has the lock: gone before the next worker is looked for.
    await untilBackendsGone(ctx.sql, dead);
  } finally {
    if (child.exitCode === null && child.signalCode === null) await killWorkerProcess(child);
  }
}

describe('a worker killed in the middle of a PIM catalog export', () => {
  it('is exported again by another worker: every product once in each file, one export.completed event', { timeout: 120000 }, async () => {
    await ctx.sql`insert into products (store_id, external_id, sku, name, price)
      select ${actor.storeId}, 'e-' || g, 'S-' || g, 'Product ' || g, g from generate_series(1, ${N}) g`;
    const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/exports');
    expect(res.statusCode).toBe(202);
    const exportId = res.json().data.id as string;

    // Killed after its files are written, while it waits to record them: all done but the completing commit.
    await killExportWorker(exportId, `update catalog_exports set status = 'COMPLETED'`, async () => {
      await pollUntil('the child worker started the export', async () => (await exportRow(exportId)).status === 'PROCESSING');
    });
    const ndjson = join(ctx.deps.config.dataDir, 'exports', actor.storeId, exportId, 'products.ndjson');
    expect((await stat(ndjson)).size).toBeGreaterThan(0);
    expect(await exportRow(exportId)).toEqual({ status: 'PROCESSING', products: null });
    expect(await completedEvents()).toEqual([]);

    const worker = await startTestWorker(ctx);
    try {
      await pollUntil('the export completed by another worker', async () => (await exportRow(exportId)).status !== 'PROCESSING');
    } finally {
      await worker.stop();
    }
    expect(await exportRow(exportId)).toEqual({ status: 'COMPLETED', products: N });
    const file = async (format: string) => (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/exports/${exportId}/download?format=${format}`)).body;
    const ids = (await ctx.sql`select id from products where store_id = ${actor.storeId} order by id`).map((p) => p.id);
    expect((await file('ndjson')).trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(ids);
    expect((await file('csv')).trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(ids);
    expect(await completedEvents()).toEqual([{ exportId, products: N, blockedProducts: 0, storage: 'local' }]);
  });

  it('killed on its last attempt, is ended FAILED by the abandoned-work sweep instead of staying PROCESSING', { timeout: 120000 }, async () => {
    const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/exports');
    const exportId = res.json().data.id as string;
    const job = async () => (await ctx.sql`select attempts, max_attempts, locked_at from graphile_worker._private_jobs
      where payload->>'exportId' = ${exportId}`)[0];
    // Each worker, killed as it starts the export, took one attempt: graphile-worker runs no job that has used them all.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await killExportWorker(exportId, 'update catalog_exports set status');
      expect(await job()).toMatchObject({ attempts: attempt, max_attempts: 3 });
    }
    const worker = await startTestWorker(ctx);
    try {
      // The live worker frees the dead one's job, and runs it no more.
      await pollUntil('the dead worker\'s job freed', async () => (await job()).locked_at === null);
    } finally {
      await worker.stop();
    }
    expect(await exportRow(exportId)).toMatchObject({ status: 'PROCESSING' });
    expect(await failAbandonedWork(ctx.sql, 0)).toMatchObject({ exports: 1 });
    const [ended] = await ctx.sql`select status, error, completed_at from catalog_exports where id = ${exportId}`;
    expect(ended).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^Processing stopped/), completed_at: expect.any(Date) });
    // The export completed before is left as it is.
    expect(await ctx.sql`select status from catalog_exports where store_id = ${actor.storeId} order by created_at`).toEqual([{ status: 'COMPLETED' }, { status: 'FAILED' }]);
  });
});
