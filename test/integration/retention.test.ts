import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { parseCrontab } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { purgeExpired } from '../../src/batches/retention.js';
import { purgeExpiredSessions } from '../../src/onboarding/session-retention.js';
import { openSession } from '../helpers/onboarding.js';
import { purgeWebhookLog } from '../../src/webhooks/log-retention.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { purgeFailedJobs } from '../../src/jobs/failed-jobs-retention.js';
import { purgeResolvedIssues } from '../../src/pim/issue-retention.js';
import { CRONTAB } from '../../src/jobs/worker.js';
import { buildTaskList } from '../../src/jobs/tasks.js';

const URL = '/api/v1/partner/stores/catalog/sync';
const POLICY = { idempotencyKeyTtlHours: 24, batchBodyRetentionDays: 7 };
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const product = (n: number) => ({ externalId: `ret-${n}`, name: `Product ${n}`, sku: `RET-${n}`, price: 1000 + n, stock: 1 });

describe('retention of idempotency keys and accepted rows', () => {
  it('replays a key for its lifetime only: an expired key runs the request again, even before it is purged', async () => {
    const store = await createTestStore(ctx, 0);
    const headers = { 'idempotency-key': 'ret-key' };
    const first = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1)] }, headers });
    expect(first.statusCode).toBe(200);
    await ctx.sql`update idempotency_keys set created_at = now() - interval '25 hours' where store_id = ${store.storeId} and key = 'ret-key'`;

    // The same body: a new batch, not the stored answer; the key now holds the new response.
    const again = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1)] }, headers });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.json().data.batchId).not.toBe(first.json().data.batchId);
    const [key] = await ctx.sql`select response, created_at > now() - interval '1 minute' as fresh from idempotency_keys where store_id = ${store.storeId} and key = 'ret-key'`;
    expect(key.fresh).toBe(true);
    expect(key.response.data.batchId).toBe(again.json().data.batchId);
    // and replays it from now on
    const replay = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(1)] }, headers });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().data.batchId).toBe(again.json().data.batchId);

    // An expired key with another body is no conflict either.
    await ctx.sql`update idempotency_keys set created_at = now() - interval '25 hours' where store_id = ${store.storeId} and key = 'ret-key'`;
    const other = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(2)] }, headers });
    expect(other.statusCode).toBe(200);
    const [{ n }] = await ctx.sql`select count(*)::int as n from batches where store_id = ${store.storeId}`;
    expect(n).toBe(3);
  });

  it('purges expired keys and the accepted rows of batches completed before the retention, keeping their outcomes', async () => {
    const store = await createTestStore(ctx, 0);
    const ids: string[] = [];
    for (const [i, key] of ['old', 'new'].entries()) {
      const res = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(10 + i)] }, headers: { 'idempotency-key': `purge-${key}` } });
      ids.push(res.json().data.batchId);
      await waitForBatch(ctx, res.json().data.batchId);
    }
    const [oldBatch, newBatch] = ids;
    await ctx.sql`update batches set completed_at = now() - interval '8 days' where id = ${oldBatch}`;
    await ctx.sql`update idempotency_keys set created_at = now() - interval '25 hours' where store_id = ${store.storeId} and key = 'purge-old'`;

    const purged = await purgeExpired(ctx.sql, POLICY);
    expect(purged.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(purged.batchBodies).toBeGreaterThanOrEqual(1);

    const keys = await ctx.sql`select key from idempotency_keys where store_id = ${store.storeId} order by key`;
    expect(keys.map((k) => k.key)).toEqual(['purge-new']);
    const batches = await ctx.sql`
      select id, packed_rows is null and packed_body is null and payload is null and body is null as emptied, succeeded, jsonb_array_length(outcomes) as outcomes
      from batches where id in ${ctx.sql(ids)} order by completed_at`;
    expect(batches).toEqual([
      { id: oldBatch, emptied: true, succeeded: 1, outcomes: 1 },
      { id: newBatch, emptied: false, succeeded: 1, outcomes: 1 },
    ]);
    // The purged batch still reads as before, with its per-row results.
    const read = await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${oldBatch}` });
    expect(read.statusCode).toBe(200);
    expect(JSON.stringify(read.json().data)).toContain('SUCCEEDED');
    expect(read.json().data.status).toBe('COMPLETED');

    // A second run finds nothing more of these.
    await purgeExpired(ctx.sql, POLICY);
    const [{ emptied }] = await ctx.sql`select count(*)::int as emptied from batches where id = ${newBatch} and (packed_rows is null or body is null)`;
    expect(emptied).toBe(0);
  });

  it('purges the rows of stock batches accepted before the retention once they completed', async () => {
    const store = await createTestStore(ctx, 1);
    await ctx.sql`insert into products (store_id, name, sku) values (${store.storeId}, 'Stocked', 'RET-STOCK')`;
    const ids: string[] = [];
    for (const stock of [1, 2, 3]) {
      const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'RET-STOCK', stock }] } });
      ids.push(res.json().data.batchId);
    }
    const [old, recent, unfinished] = ids;
    for (const id of ids) await waitForBatch(ctx, id);
    await ctx.sql`update batch_stock_rows set created_at = now() - interval '8 days' where batch_id in ${ctx.sql([old, unfinished, recent])}`;
    await ctx.sql`update batches set completed_at = now() - interval '8 days' where id = ${old}`;
    await ctx.sql`update batches set completed_at = null where id = ${unfinished}`;
    // `recent` was accepted 8 days ago and completed now (given up on after days of retries): kept
    // 7 days from its completion, for \`batch retry\` (it went by its acceptance: QA).
    await purgeExpired(ctx.sql, POLICY);
    const kept = await ctx.sql`select batch_id from batch_stock_rows where store_id = ${store.storeId}`;
    expect(kept.map((r) => r.batch_id).sort()).toEqual([recent, unfinished].sort());
  });

  it('leaves the rows of a batch that `batch retry` makes pending while the purge waits for it', async () => {
    const store = await createTestStore(ctx, 1);
    await ctx.sql`insert into products (store_id, name, sku) values (${store.storeId}, 'Retried', 'RET-RETRY')`;
    const stock = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'RET-RETRY', stock: 4 }] } });
    const sync = await signedInject(ctx, store, { method: 'POST', url: URL, body: { products: [product(40)] } });
    const ids = [stock.json().data.batchId, sync.json().data.batchId];
    for (const id of ids) await waitForBatch(ctx, id);
    await ctx.sql`update batch_stock_rows set created_at = now() - interval '9 days' where batch_id = ${ids[0]}`;
    await ctx.sql`update batches set completed_at = now() - interval '8 days' where id in ${ctx.sql(ids)}`;
    // As retryFailedBatch does: each batch locked, then pending again; the purge starts meanwhile.
    let purge: Promise<unknown> | undefined;
    await ctx.sql.begin(async (tx) => {
      await tx`select 1 from batches where id in ${tx(ids)} for update`;
      purge = purgeExpired(ctx.sql, POLICY);
      await new Promise((r) => setTimeout(r, 300));
      await tx`update batches set completed_at = null, status = 'PENDING' where id in ${tx(ids)}`;
    });
    await purge;
    const [{ rows }] = await ctx.sql`select count(*)::int as rows from batch_stock_rows where batch_id = ${ids[0]}`;
    const [{ body }] = await ctx.sql`select packed_rows is not null or payload is not null as body from batches where id = ${ids[1]}`;
    expect([rows, body]).toEqual([1, true]);
  });

  it('deletes a backlog of expired keys in statements of a few thousand, the fresh ones kept', async () => {
    const store = await createTestStore(ctx, 0);
    await ctx.sql`
      insert into idempotency_keys (store_id, key, route, request_hash, status_code, response, created_at)
      select ${store.storeId}, 'backlog-' || i, 'POST /x', 'h', 200, '{}', now() - make_interval(hours => case when i <= 12000 then 48 else 1 end)
      from generate_series(1, 12010) as i`;
    // Each DELETE statement counted: one statement for all 12,000 passed the assertions below too.
    await ctx.sql`create table purge_statements (at timestamptz default clock_timestamp())`;
    await ctx.sql.unsafe(`create function count_purge_statement() returns trigger language plpgsql as $$
      begin insert into purge_statements default values; return null; end $$`);
    await ctx.sql`create trigger count_purge after delete on idempotency_keys for each statement execute function count_purge_statement()`;
    const purged = await purgeExpired(ctx.sql, POLICY).finally(async () => {
      await ctx.sql`drop trigger count_purge on idempotency_keys`;
      await ctx.sql`drop function count_purge_statement()`;
    });
    const [{ statements }] = await ctx.sql`select count(*)::int as statements from purge_statements`;
    await ctx.sql`drop table purge_statements`;
    expect(statements).toBeGreaterThanOrEqual(3);
    expect(purged.idempotencyKeys).toBeGreaterThanOrEqual(12000);
    const [{ left }] = await ctx.sql`select count(*)::int as left from idempotency_keys where store_id = ${store.storeId}`;
    expect(left).toBe(10);
  });

  it('empties a backlog larger than one statement takes, in several', async () => {
    const store = await createTestStore(ctx, 0);
    await ctx.sql`
      insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, packed_body, completed_at)
      select ${store.storeId}, 'pb_backlog_' || i, 'catalog.sync', ${store.partnerId}, gen_random_uuid(), 'COMPLETED', 1, 0, i,
        '\\x00'::bytea, now() - interval '30 days'
      from generate_series(1, 450) as i`;
    const purged = await purgeExpired(ctx.sql, POLICY);
    expect(purged.batchBodies).toBeGreaterThanOrEqual(450);
    const [{ left }] = await ctx.sql`select count(*)::int as left from batches where store_id = ${store.storeId} and packed_body is not null`;
    expect(left).toBe(0);
  });

  it('deletes onboarding sessions a week past their expiry that no claim holds (they were kept for ever)', async () => {
    const store = await createTestStore(ctx, 0);
    const open = async () => (await openSession(ctx, store)).json().data.sid as string;
    const [old, claimed, recent] = [await open(), await open(), await open()];
    await ctx.sql`update onboard_sessions set expires_at = now() - interval '8 days' where id in ${ctx.sql([old, claimed])}`;
    await ctx.sql`update onboard_sessions set expires_at = now() - interval '6 days' where id = ${recent}`;
    // A claimed session is the record of the store's authorization: kept.
    await ctx.sql`update onboard_sessions set status = 'CLAIMED', store_id = ${store.storeId} where id = ${claimed}`;
    await ctx.sql`insert into store_authorizations (store_id, partner_id, session_id, expires_at) values (${store.storeId}, ${store.partnerId}, ${claimed}, now())`;
    expect(await purgeExpiredSessions(ctx.sql)).toBeGreaterThanOrEqual(1);
    const left = await ctx.sql`select id from onboard_sessions where id in ${ctx.sql([old, claimed, recent])}`;
    expect(left.map((r) => r.id).sort()).toEqual([claimed, recent].sort());
  });

  it('deletes finished webhook deliveries, their attempts and the events left without one, WEBHOOK_LOG_RETENTION_DAYS after', async () => {
    const store = await createTestStore(ctx, 0);
    // Events written before any endpoint (the fan-out makes no delivery), deliveries added here as they ended.
    const events = await ctx.sql<{ id: string }[]>`insert into outbox_events (partner_id, store_id, type, payload, created_at)
      select ${store.partnerId}, ${store.storeId}, 'product.updated', '{}', now() - make_interval(days => d)
      from unnest(array[40, 40, 40, 40, 2]) with ordinality as t (d, n) order by n returning id`;
    const [succeeded, redelivered, retrying, undelivered, recent] = events.map((e) => e.id);
    const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: 'http://127.0.0.1:9/hook' });
    const delivery = async (eventId: string, status: string, attemptedDaysAgo: number) => {
      const [d] = await ctx.sql`insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type, status, attempts, created_at)
        values (${store.partnerId}, ${endpoint.id}, ${eventId}, 'product.updated', ${status}, 1, now() - interval '40 days') returning id`;
      await ctx.sql`insert into webhook_attempts (partner_id, delivery_id, attempt, status_code, latency_ms, attempted_at)
        values (${store.partnerId}, ${d.id}, 1, 500, 1, now() - make_interval(days => ${attemptedDaysAgo}))`;
    };
    await delivery(succeeded, 'SUCCEEDED', 40);
    await delivery(redelivered, 'EXHAUSTED', 1); // redelivered yesterday, exhausted again
    await delivery(retrying, 'RETRYING', 40);
    const purged = await purgeWebhookLog(ctx.sql, 30);
    expect(purged.deliveries).toBeGreaterThanOrEqual(1);
    const left = await ctx.sql`select id from outbox_events where id in ${ctx.sql(events.map((e) => e.id))}`;
    expect(left.map((r) => r.id).sort()).toEqual([redelivered, retrying, recent].sort());
    expect(undelivered).toBeDefined();
    const [{ attempts }] = await ctx.sql`select count(*)::int as attempts from webhook_attempts where partner_id = ${store.partnerId}`;
    expect(attempts).toBe(2);
  });

  it('deletes jobs out of attempts a week after their last failure (omni_jobs{state="failed"} never fell back)', async () => {
    // As graphile-worker leaves a job that failed: attempts counted, run_at at the failure plus its
    // backoff, updated_at where it was when the job was added (0.17 no longer moves it).
    const job = async (task: string, addedDaysAgo: number, failedDaysAgo: number, attempts: number) => {
      const [{ id }] = await ctx.sql`select id from graphile_worker.add_job(${task}, '{}'::json, max_attempts => 3, run_at => now() + interval '1 year')`;
      await ctx.sql`update graphile_worker._private_jobs set attempts = ${attempts}, updated_at = now() - make_interval(days => ${addedDaysAgo}),
        run_at = now() - make_interval(days => ${failedDaysAgo}) + interval '1 minute' where id = ${id}`;
      return id as string;
    };
    // Added 30 days ago and failed for good yesterday: kept a week from its failure (review).
    const [old, recent, lateFailure, retrying] = [await job('qa.old', 9, 8, 3), await job('qa.recent', 2, 2, 3), await job('qa.late', 30, 1, 3), await job('qa.retrying', 9, 8, 1)];
    const ours = [old, recent, lateFailure, retrying];
    const before = (await ctx.sql`select count(*)::int as n from graphile_worker._private_jobs where id in ${ctx.sql(ours)}`)[0].n;
    await purgeFailedJobs(ctx.sql);
    expect(before).toBe(4);
    const left = await ctx.sql`select id::text from graphile_worker._private_jobs where id in ${ctx.sql(ours)}`;
    expect(left.map((r) => r.id).sort()).toEqual([recent, lateFailure, retrying].map(String).sort());
    await ctx.sql`select graphile_worker.complete_jobs(array[${recent}, ${lateFailure}, ${retrying}]::bigint[])`;
  });

  it('deletes validation issues resolved more than 30 days ago, never an open one (nothing reads them)', async () => {
    const store = await createTestStore(ctx, 0);
    const issue = async (resolvedDaysAgo: number | null) => (await ctx.sql`
      insert into validation_issues (store_id, product_id, code, severity, message, resolved, resolved_at, created_at)
      values (${store.storeId}, gen_random_uuid(), 'MISSING_PHOTOS', 'WARNING', 'm', ${resolvedDaysAgo !== null},
        ${resolvedDaysAgo === null ? null : ctx.sql`now() - make_interval(days => ${resolvedDaysAgo})`}, now() - interval '90 days') returning id`)[0].id as string;
    const [old, recent, open] = [await issue(31), await issue(29), await issue(null)];
    expect(await purgeResolvedIssues(ctx.sql)).toBeGreaterThanOrEqual(1);
    const left = await ctx.sql`select id from validation_issues where store_id = ${store.storeId}`;
    expect(left.map((r) => r.id).sort()).toEqual([recent, open].sort());
    expect(old).toBeDefined();
  });

  it('schedules the purge and the end of abandoned work hourly, for tasks the worker has', () => {
    const items = parseCrontab(CRONTAB);
    expect(items.map((i) => i.task)).toEqual(['retention:purge', 'abandoned:fail']);
    expect(items[0].match({ min: 17, hour: 3, date: 1, month: 1, dow: 0 })).toBe(true);
    expect(items[0].match({ min: 18, hour: 3, date: 1, month: 1, dow: 0 })).toBe(false);
    expect(items[1].match({ min: 47, hour: 3, date: 1, month: 1, dow: 0 })).toBe(true);
    expect(Object.keys(buildTaskList(ctx.deps))).toEqual(expect.arrayContaining(['retention:purge', 'abandoned:fail']));
  });
});
