import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, subscribeToAllEvents, type TestContext } from '../helpers/test-app.js';
import { samples } from '../helpers/metrics.js';
import { emitEvents } from '../../src/webhooks/outbox.js';

// The gauges count everything in the file's database (test/helpers/file-database.ts): nothing but
// this file's batches and jobs.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx?.close(); });

describe('/metrics: the work in flight, read from PostgreSQL', () => {
  it('counts queued jobs, unfinished batches and their pending rows, and pending deliveries', async () => {
    expect(await samples(ctx.app, 'omni_')).toMatchObject({
      omni_work_metrics_database_up: 1, omni_batch_rows_pending: 0, omni_pim_bulk_jobs_unfinished: 0, omni_jobs_oldest_queued_seconds: 0,
      'omni_webhook_deliveries_unfinished{status="PENDING"}': 0, omni_webhook_endpoints_failing: 0,
      // Every batch kind and task has its samples when idle (there were none: a series appeared with its first work).
      'omni_batches_unfinished{kind="catalog.sync"}': 0, 'omni_batches_unfinished{kind="inventory"}': 0,
      'omni_jobs{task="batch.process",state="queued"}': 0, 'omni_jobs{task="batch.process",state="failed"}': 0,
    });
    const store = await createTestStore(ctx);
    await subscribeToAllEvents(ctx, store);
    const sync = await signedInject(ctx, store, {
      method: 'POST', url: '/api/v1/partner/stores/catalog/sync',
      body: { products: [1, 2, 3].map((n) => ({ externalId: `m-${n}`, sku: `M-${n}`, name: `Metric ${n}`, price: 10 })) },
    });
    expect(sync.statusCode).toBe(200);
    const stock = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'M-1', stock: 1 }, { sku: 'M-2', stock: 2 }] } });
    expect(stock.statusCode).toBe(200);

    const after = await samples(ctx.app, 'omni_');
    expect(after).toMatchObject({
      omni_work_metrics_database_up: 1,
      'omni_batches_unfinished{kind="catalog.sync"}': 1,
      omni_batch_rows_pending: 3,
      'omni_jobs{task="batch.process",state="queued"}': 1,
      // The stock request's stock.update.requested event, to the endpoint every event goes to.
      'omni_webhook_deliveries_unfinished{status="PENDING"}': 1,
    });
    // An endpoint whose attempts fail, and one disabled (an operator's alert is on the first).
    await ctx.sql`update webhook_endpoints set failing_since = now() where partner_id = ${store.partnerId}`;
    const other = await createTestStore(ctx);
    await subscribeToAllEvents(ctx, other);
    await ctx.sql`update webhook_endpoints set failing_since = now(), enabled = false where partner_id = ${other.partnerId}`;
    expect((await samples(ctx.app, 'omni_')).omni_webhook_endpoints_failing).toBe(1);
    // The stock rows name products not created yet: refused at accept, their batch ended at once.
    expect(after['omni_batches_unfinished{kind="inventory"}']).toBe(0);
    expect(after.omni_jobs_oldest_queued_seconds).toBeGreaterThanOrEqual(0);
    expect(after.omni_jobs_oldest_queued_seconds).toBeLessThan(60);
    // A batch's end: its delivery is queued due 5 minutes early (event-types.ts), not waiting since.
    await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: null, type: 'export.completed', payload: {} }]));
    const early = await samples(ctx.app, 'omni_');
    expect(early['omni_webhook_deliveries_unfinished{status="PENDING"}']).toBe(2);
    expect(early.omni_jobs_oldest_queued_seconds).toBeLessThan(60);
  });
});

describe('/metrics: jobs behind a running job of their named queue', () => {
  it('are waiting, not queued, and do not age the oldest queued job (a dead receiver is not workers behind)', async () => {
    const queue = `webhook-endpoint:metrics-${Date.now()}`;
    // The file's other jobs (a delivery of the test above) as they were.
    const queuedBefore = (await samples(ctx.app, 'omni_'))['omni_jobs{task="webhook.deliver",state="queued"}'];
    await ctx.sql`select graphile_worker.add_job('webhook.deliver', json_build_object('n', n), queue_name => ${queue}, run_at => now() - interval '1 hour', job_key => ${queue} || n)
                  from generate_series(1, 3) n`;
    // Added an hour ago too: a job waits from when it was due or added, the later (a summary's delivery is due early).
    await ctx.sql`update graphile_worker._private_jobs set created_at = now() - interval '1 hour' where key like ${`${queue}%`}`;
    // As a worker holds one of them: the job and its queue locked.
    await ctx.sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'metrics-test' where key = ${`${queue}1`}`;
    await ctx.sql`update graphile_worker._private_job_queues set locked_at = now(), locked_by = 'metrics-test' where queue_name = ${queue}`;
    try {
      const work = await samples(ctx.app, 'omni_');
      expect(work['omni_jobs{task="webhook.deliver",state="running"}']).toBe(1);
      expect(work['omni_jobs{task="webhook.deliver",state="waiting"}']).toBe(2);
      expect(work['omni_jobs{task="webhook.deliver",state="queued"}']).toBe(queuedBefore);
      expect(work.omni_jobs_oldest_queued_seconds).toBeLessThan(60);
      // Its queue free again (the running job ended, the next not taken yet): its head is queued, the
      // other still waits behind it (both were queued; QA), and neither ages the oldest queued job:
      // they waited behind their queue, run one at a time, not for a worker.
      await ctx.sql`delete from graphile_worker._private_jobs where key = ${`${queue}1`}`;
      await ctx.sql`update graphile_worker._private_job_queues set locked_at = null, locked_by = null where queue_name = ${queue}`;
      const freed = await samples(ctx.app, 'omni_');
      expect(freed['omni_jobs{task="webhook.deliver",state="queued"}']).toBe(queuedBefore + 1);
      expect(freed['omni_jobs{task="webhook.deliver",state="waiting"}']).toBe(1);
      expect(freed.omni_jobs_oldest_queued_seconds).toBeLessThan(60);
      // A job of no named queue due an hour ago is workers behind.
      await ctx.sql`select graphile_worker.add_job('webhook.deliver', '{}'::json, run_at => now() - interval '1 hour', job_key => ${`${queue}-alone`})`;
      await ctx.sql`update graphile_worker._private_jobs set created_at = now() - interval '1 hour' where key = ${`${queue}-alone`}`;
      expect((await samples(ctx.app, 'omni_')).omni_jobs_oldest_queued_seconds).toBeGreaterThanOrEqual(3600);
    } finally {
      await ctx.sql`delete from graphile_worker._private_jobs where key like ${`${queue}%`}`;
    }
  });
});

describe('/metrics: request durations', () => {
  it('are a histogram by route pattern, with no summary family declared beside it (README, Decisions)', async () => {
    await ctx.app.inject({ method: 'GET', url: '/health' });
    const text = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/health",status_code="200"}');
    expect(text).not.toContain('http_request_summary_seconds');
  });
});
