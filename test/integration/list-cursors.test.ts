import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest, type PimActor } from '../helpers/pim.js';
import { register } from '../helpers/webhooks.js';
import { indexEntriesRead } from '../helpers/index-reads.js';
import type { Queryable } from '../../src/db/database.js';
import { packCursor } from '../../src/db/list-cursor.js';
import { listValidationIssues } from '../../src/pim/pim-reads.js';

// The lists that grow at their head (newest first) paged by `page` showed an item again when one was
// added between two reads, and skipped one when an item left (an issue resolved). `after` (the page
// before's nextCursor) starts after the item that ended that page, wherever the others moved.
let ctx: TestContext;
let pim: PimActor;
beforeAll(async () => {
  ctx = await createTestApp();
  pim = await createPimActor(ctx);
});
afterAll(async () => { await ctx.close(); });

type Page = { items: string[]; nextCursor: string | null; status: number; body: string };
/** Reads a list from its first page to its last by cursor, adding an item (`between`) after the first page. */
async function walk(read: (query: string) => Promise<Page>, limit: number, between: () => Promise<unknown>) {
  const seen: string[] = [];
  let page = await read(`limit=${limit}`);
  seen.push(...page.items);
  await between();
  // By page, the second page now begins with the first page's last item again.
  const second = await read(`limit=${limit}&page=2`);
  for (let n = 0; page.nextCursor && n < 20; n++) {
    page = await read(`limit=${limit}&after=${page.nextCursor}`);
    expect(page.status, page.body).toBe(200);
    seen.push(...page.items);
  }
  return { seen, byPage: second.items };
}

const partnerList = (url: string, partnerOnly = false) => async (query: string): Promise<Page> => {
  const res = await signedInject(ctx, pim.store, { method: 'GET', url: `${url}?${query}`, partnerOnly });
  const body = res.json();
  return { items: (body.data ?? []).map((x: any) => x.batchId ?? x.id), nextCursor: body.meta?.pagination?.nextCursor ?? null, status: res.statusCode, body: res.body };
};
const pimList = (url: string) => async (query: string): Promise<Page> => {
  const res = await pimRequest(ctx, pim, 'GET', `${url}${url.includes('?') ? '&' : '?'}${query}`);
  const body = res.json();
  return { items: (body.data ?? []).map((x: any) => x.id), nextCursor: body.meta?.pagination?.nextCursor ?? null, status: res.statusCode, body: res.body };
};

let seq = 0;
const addBatch = () => ctx.sql`
  insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq)
  values (${pim.storeId}, ${`pb_${randomUUID()}`}, 'products.bulk', ${pim.store.partnerId}, ${randomUUID()}, 'COMPLETED', 1, 0, ${900_000_000 + ++seq})
  returning id`.then(([b]) => b.id as string);

describe('cursor paging of the lists that grow at their head', () => {
  it('batches: every batch once from the first page to the last, a batch accepted meanwhile not among them', async () => {
    const made: string[] = [];
    for (let n = 0; n < 5; n++) made.push(await addBatch());
    const { seen, byPage } = await walk(partnerList('/api/v1/partner/stores/batches'), 2, addBatch);
    expect(seen).toEqual([...made].reverse());
    expect(byPage[0]).toBe(made[3]);
  });

  it('deliveries: the same, ties of one creation time split by id', async () => {
    // Test events, a delivery each: at most 5 a minute to one endpoint (WHK_005), so an endpoint a call.
    const addDeliveries = async (n: number) => {
      const endpoint = await register(ctx, pim.store, 'https://receiver.example/hook');
      for (let i = 0; i < n; i++) {
        const res = await signedInject(ctx, pim.store, { method: 'POST', url: `/api/v1/partner/webhooks/endpoints/${endpoint.id}/test`, partnerOnly: true });
        expect(res.statusCode, res.body).toBe(202);
      }
    };
    await addDeliveries(3);
    // Two more at one creation time: a tie the id breaks.
    await ctx.sql`update webhook_deliveries set created_at = (select max(created_at) from webhook_deliveries where partner_id = ${pim.store.partnerId})
      where partner_id = ${pim.store.partnerId}`;
    await addDeliveries(2);
    const all = (await partnerList('/api/v1/partner/webhooks/deliveries', true)('limit=100')).items;
    expect(all).toHaveLength(5);
    const { seen, byPage } = await walk(partnerList('/api/v1/partner/webhooks/deliveries', true), 2, () => addDeliveries(1));
    expect(seen).toEqual(all);
    expect(byPage[0]).toBe(all[1]);
  });

  it('PIM bulk jobs: the same, ties of one creation time read by id', async () => {
    const add = (n: number, at?: string) => ctx.sql`
      insert into bulk_jobs (store_id, job_type, status, payload, created_by, created_at)
      select ${pim.storeId}, 'BULK_UPDATE', 'COMPLETED', '[]', 'cursor@test', coalesce(${at ?? null}::timestamptz, now()) from generate_series(1, ${n})`;
    await add(3, '2026-12-01T10:00:00.000001Z');
    await add(2, '2026-12-01T10:00:01Z');
    const all = (await pimList('/api/v1/pim/bulk-jobs')('limit=100')).items;
    expect(all).toHaveLength(5);
    const { seen, byPage } = await walk(pimList('/api/v1/pim/bulk-jobs'), 2, () => add(1));
    expect(seen).toEqual(all);
    expect(byPage[0]).toBe(all[1]);
  });

  it('validation issues: an issue resolved between two pages no longer makes the next page skip one', async () => {
    const store = pim.storeId;
    const products = await ctx.sql<{ id: string }[]>`
      insert into products (store_id, external_id, sku, name, price)
      select ${store}, 'vi-' || n, 'VI-' || n, 'Product', 10 from generate_series(1, 6) n returning id`;
    // Six issues of one creation time (one transaction's now()): ordered by id within it.
    await ctx.sql`insert into validation_issues (store_id, product_id, code, severity, message, created_at)
      select ${store}, p.id, 'MISSING_DESCRIPTION', 'WARNING', 'The product has no description', timestamptz '2026-12-01 10:00:00'
      from unnest(${products.map((p) => p.id)}::uuid[]) as p (id)`;
    const list = pimList('/api/v1/pim/validation-issues?code=MISSING_DESCRIPTION');
    const all = (await list('limit=100')).items;
    expect(all).toHaveLength(6);
    const first = await list('limit=2');
    expect(first.items).toEqual(all.slice(0, 2));
    // An issue read already is resolved: by page, the next page starts one too far.
    await ctx.sql`update validation_issues set resolved = true, resolved_at = now() where store_id = ${store} and id = ${all[0]}`;
    expect((await list('limit=2&page=2')).items).toEqual(all.slice(3, 5));
    const seen = [...first.items];
    let cursor = first.nextCursor;
    for (let n = 0; cursor && n < 20; n++) {
      const page = await list(`limit=2&after=${cursor}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all);
  });

  it("reads a cursor page inside a group of issues of one time from the index, starting at the cursor, not the group's whole", async () => {
    const big = await createPimActor(ctx);
    // 5,000 issues of one creation time, as one evaluate_quality call raises them.
    await ctx.sql`
      with p as (insert into products (store_id, external_id, sku, name, price)
        select ${big.storeId}, 'g-' || n, 'G-' || n, 'Product', 10 from generate_series(1, 5000) n returning id)
      insert into validation_issues (store_id, product_id, code, severity, message, created_at)
      select ${big.storeId}, p.id, 'MISSING_PHOTOS', 'WARNING', 'The product has no photos', timestamptz '2026-12-01 10:00:00' from p`;
    await ctx.sql`analyze validation_issues`;
    const first = (await pimRequest(ctx, big, 'GET', '/api/v1/pim/validation-issues?limit=100&page=25')).json().data;
    const cursor = packCursor(['validation-issues', '1796119200000000', first[99].id]);
    // Entries of its indexes and rows of the table read (by a scan, a plan may read it whole).
    const rowsRead = async (tx: Queryable) => await indexEntriesRead(tx, 'validation_issues')
      + (await tx<{ n: number }[]>`select pg_stat_get_xact_tuples_returned('validation_issues'::regclass)::int as n`)[0].n;
    let read = 0;
    const result = await ctx.sql.begin(async (tx) => {
      const before = await rowsRead(tx);
      const page = await listValidationIssues(tx, big.storeId, { page: 1, limit: 100, after: cursor });
      read = (await rowsRead(tx)) - before;
      return page;
    });
    expect(result.items).toHaveLength(100);
    // Measured: 5,101 (the count's 5,000, the page's 100 and one more); with the index on the time
    // alone (before 0132) the page read the whole group again: 10,000.
    expect(read).toBeLessThan(5300);
  });

  it('refuses a cursor beside page, of another list, or altered (VAL_001), before reading anything', async () => {
    const batches = await partnerList('/api/v1/partner/stores/batches')('limit=1');
    const jobs = await pimList('/api/v1/pim/bulk-jobs')('limit=1');
    expect(batches.nextCursor).toEqual(expect.any(String));
    expect(jobs.nextCursor).toEqual(expect.any(String));
    const cases: [Promise<Page>, string][] = [
      [partnerList('/api/v1/partner/stores/batches')(`after=${batches.nextCursor}&page=2`), 'after starts its own page: send it without page'],
      [partnerList('/api/v1/partner/stores/batches')(`after=${jobs.nextCursor}`), 'after must be a nextCursor this list returned'],
      [pimList('/api/v1/pim/validation-issues')(`after=${jobs.nextCursor}`), 'after must be a nextCursor this list returned'],
      [partnerList('/api/v1/partner/webhooks/deliveries', true)(`after=${batches.nextCursor}`), 'after must be a nextCursor this list returned'],
      [partnerList('/api/v1/partner/stores/batches')(`after=${Buffer.from('batches.99999999999999999999').toString('base64url')}`), 'after must be a nextCursor this list returned'],
      [pimList('/api/v1/pim/bulk-jobs')(`after=${jobs.nextCursor!.slice(0, -2)}`), 'after must be a nextCursor this list returned'],
    ];
    for (const [read, message] of cases) {
      const res = await read;
      expect([res.status, JSON.parse(res.body).error.code, JSON.parse(res.body).error.details.context.validationErrors.querystring.after])
        .toEqual([400, 'VAL_001', message]);
    }
  });
});
