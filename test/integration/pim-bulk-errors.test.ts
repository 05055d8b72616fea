import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest, type PimActor } from '../helpers/pim.js';
import { failBulkJob, processBulkJob } from '../../src/pim/bulk-job-processing.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
  // How many item errors the job's writes of item_errors hold, summed over its writes: each
  // write rewrites the whole jsonb value, so this is what the job's errors cost to store.
  await ctx.sql.unsafe(`
    create table test_item_error_writes (job_id uuid, errors int);
    create function test_count_item_error_writes() returns trigger language plpgsql as $$
    begin
      insert into test_item_error_writes values (new.id, jsonb_array_length(new.item_errors));
      return new;
    end $$;
    create trigger test_item_error_writes after update of item_errors on bulk_jobs
      for each row when (old.item_errors is distinct from new.item_errors) execute function test_count_item_error_writes();`);
});
afterAll(async () => { await ctx.close(); });

const N = 20_000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Creates the job (no worker runs here) and processes it in this process. */
async function createJob(actor: PimActor, jobType: string, payload: unknown[]) {
  const res = await pimRequest(ctx, actor, 'POST', '/api/v1/pim/bulk-jobs', { job_type: jobType, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.id as string;
}
const run = (actor: PimActor, jobId: string) => processBulkJob(ctx.sql, actor.storeId, jobId, actor.email);
const job = async (actor: PimActor, jobId: string) => (await pimRequest(ctx, actor, 'GET', `/api/v1/pim/bulk-jobs/${jobId}`)).json().data;
const errorsWritten = async (jobId: string) =>
  (await ctx.sql`select coalesce(sum(errors), 0)::int as n from test_item_error_writes where job_id = ${jobId}`)[0].n as number;

/** N ids, unknown but at the indexes `real` holds, where the store's products are named. */
async function deletion(actor: PimActor, real: number[]) {
  const products = await ctx.sql`insert into products (store_id, name) select ${actor.storeId}, 'P' || g from generate_series(1, ${real.length}) g returning id`;
  const ids = range(N).map(() => randomUUID());
  real.forEach((index, k) => { ids[index] = products[k].id; });
  return ids;
}

describe('a PIM bulk job of many failed items', () => {
  // Written after every chunk of 500, item_errors was rewritten 40 times here, growing by 500
  // errors each time: 410,000 errors written for 20,000 (80,000 ids: 6.4 million, 17.5 s).
  it('writes its item errors at most 9 times an item in all when every item fails, each item failed once, in order', async () => {
    const a = await createPimActor(ctx);
    const jobId = await createJob(a, 'BULK_DELETE', await deletion(a, []));
    await run(a, jobId);
    const done = await job(a, jobId);
    expect(done).toMatchObject({ status: 'FAILED', total_items: N, processed_items: 0, failed_items: N });
    expect(done.item_errors.map((e: any) => e.index)).toEqual(range(N));
    expect(done.item_errors.every((e: any) => e.code === 'PRD_001')).toBe(true);
    expect(await errorsWritten(jobId)).toBeLessThanOrEqual(9 * N);
  });

  it('does so too when every chunk applies an item among the failed ones', async () => {
    const a = await createPimActor(ctx);
    const real = range(N / 500).map((c) => c * 500 + 250);
    const jobId = await createJob(a, 'BULK_DELETE', await deletion(a, real));
    await run(a, jobId);
    const done = await job(a, jobId);
    expect(done).toMatchObject({ status: 'COMPLETED', total_items: N, processed_items: real.length, failed_items: N - real.length });
    expect(done.item_errors.map((e: any) => e.index)).toEqual(range(N).filter((i) => !real.includes(i)));
    expect(await errorsWritten(jobId)).toBeLessThanOrEqual(9 * N);
    expect((await ctx.sql`select count(*)::int as n from products where store_id = ${a.storeId}`)[0].n).toBe(0);
  });

  it('resumed after it died with chunks not yet counted, counts every item once: each product deleted once, each failure once', async () => {
    const a = await createPimActor(ctx);
    // A product every 2,000 items: the chunks between apply nothing and wait, uncounted, for a later write.
    const real = range(N / 2000).map((c) => c * 2000 + 1999);
    const jobId = await createJob(a, 'BULK_DELETE', await deletion(a, real));
    // The job dies (an error of the database, not of an item) at its first write past 9,000 failed items, once.
    await ctx.sql.unsafe(`
      create sequence test_die_once;
      create function test_die_once() returns trigger language plpgsql as $$
      begin
        if new.id = '${jobId}' and new.failed_items > 9000 and nextval('test_die_once') = 1 then raise exception 'the worker died'; end if;
        return new;
      end $$;
      create trigger test_die_once before update on bulk_jobs for each row execute function test_die_once();`);
    try {
      await expect(run(a, jobId)).rejects.toThrow('the worker died');
      const [mid] = await ctx.sql`select processed_items + failed_items as n, jsonb_array_length(item_errors) as errors, failed_items from bulk_jobs where id = ${jobId}`;
      expect(mid.n).toBeGreaterThan(0);
      expect(mid.errors).toBe(mid.failed_items);
      await run(a, jobId);
    } finally {
      await ctx.sql.unsafe('drop trigger test_die_once on bulk_jobs; drop function test_die_once(); drop sequence test_die_once');
    }
    const done = await job(a, jobId);
    expect(done).toMatchObject({ status: 'COMPLETED', total_items: N, processed_items: real.length, failed_items: N - real.length });
    expect(done.item_errors.map((e: any) => e.index)).toEqual(range(N).filter((i) => !real.includes(i)));
    const [audit] = await ctx.sql`select count(*)::int as events, count(distinct resource_id)::int as products from audit_events
      where store_id = ${a.storeId} and action = 'product.deleted' and changes->>'bulkJobId' = ${jobId}`;
    expect(audit).toEqual({ events: real.length, products: real.length });
  });
});

describe('the item errors a job keeps', () => {
  it("are its first failed items' up to the cap (one jsonb value: 3.5 million would pass PostgreSQL's 256 MB; QA), failed_items counting all, given up on too", async () => {
    const a = await createPimActor(ctx);
    const ids = range(1200).map(() => randomUUID());
    const jobId = await createJob(a, 'BULK_DELETE', ids);
    await processBulkJob(ctx.sql, a.storeId, jobId, a.email, undefined, 700);
    const done = await job(a, jobId);
    expect([done.status, done.failed_items, done.item_errors.length, done.item_errors[699].index]).toEqual(['FAILED', 1200, 700, 699]);
    // A job given up on before it ran: its items counted failed (BAT_003), as many errors kept as the cap leaves room for.
    const pending = await createJob(a, 'BULK_DELETE', ids.slice(0, 10));
    await failBulkJob(ctx.sql, a.storeId, pending, 'the worker gave up', 10, 4);
    const given = await job(a, pending);
    expect([given.status, given.failed_items, given.item_errors.map((e: { index: number; code: string }) => [e.index, e.code])])
      .toEqual(['FAILED', 10, [[0, 'BAT_003'], [1, 'BAT_003'], [2, 'BAT_003'], [3, 'BAT_003']]]);
  });
});

describe('the bulk jobs list', () => {
  it('answers each job without its item errors, which GET of the job answers', async () => {
    const a = await createPimActor(ctx);
    const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const jobId = await createJob(a, 'BULK_DELETE', ids);
    await run(a, jobId);
    const list = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_DELETE')).json().data;
    expect(list).toEqual([expect.objectContaining({ id: jobId, status: 'FAILED', payload: JSON.stringify(ids), failed_items: 2 })]);
    expect(list[0]).not.toHaveProperty('item_errors');
    expect((await job(a, jobId)).item_errors).toEqual([
      { index: 0, code: 'PRD_001', error: 'product not found' }, { index: 1, code: 'PRD_001', error: 'product not found' },
    ]);
  });

  it("answers a payload up to 256 KiB, and leaves out a larger one (GET of the job answers it), telling each one's size", async () => {
    // Every payload was answered, up to BODY_LIMIT_BYTES each: a page of 10 MB ones was a 500 (QA).
    const a = await createPimActor(ctx);
    const big = range(12_000).map((i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const bigId = (await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_DELETE', payload: big })).json().data.id;
    const small = ['00000000-0000-4000-8000-000000000009'];
    const smallId = (await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_DELETE', payload: small })).json().data.id;
    const list = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_DELETE')).json().data;
    const bigText = JSON.stringify(big);
    expect(bigText.length).toBeGreaterThan(256 * 1024);
    expect(list.map((j: any) => [j.id, j.payload, j.payload_bytes])).toEqual([
      [smallId, JSON.stringify(small), JSON.stringify(small).length], [bigId, null, bigText.length]]);
    expect((await job(a, bigId)).payload).toBe(bigText);
  });

  it('answers at most 4 MiB of payloads a page, in its order; the later jobs of the page say their size (a page of 100 such jobs was 27 MB: QA)', async () => {
    const a = await createPimActor(ctx);
    const payload = range(5_800).map((i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const bytes = JSON.stringify(payload).length;
    expect(bytes).toBeLessThanOrEqual(256 * 1024);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.unshift((await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_DELETE', payload })).json().data.id);
    const fit = Math.floor((4 * 1024 * 1024) / bytes);
    expect(fit).toBeLessThan(20);
    const list = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_DELETE&limit=20')).json().data;
    expect(list.map((j: any) => j.id)).toEqual(ids);
    expect(list.map((j: any) => (j.payload === null ? null : j.payload.length))).toEqual([...Array(fit).fill(bytes), ...Array(20 - fit).fill(null)]);
    expect(list.every((j: any) => j.payload_bytes === bytes)).toBe(true);
    // Each page has its own: the second page of 10 answers all of its ten.
    const second = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_DELETE&limit=10&page=2')).json().data;
    expect(second.map((j: any) => [j.id, j.payload?.length ?? null])).toEqual(ids.slice(10).map((id) => [id, bytes]));
  });
});
