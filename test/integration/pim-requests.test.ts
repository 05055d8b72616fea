import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPimActor, pimRequest } from '../helpers/pim.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

/** JSON text of a value nested `levels` deep: [[[…]]] around `inner` (JSON.stringify of it would overflow the stack). */
const nested = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

describe('malformed PIM requests are 400, never 500', () => {
  it('refuses a payload nested thousands of levels deep with PIM_005, sent as JSON or as a string of JSON', async () => {
    const a = await createPimActor(ctx);
    // The body as text: the payload as JSON, or as a string of JSON.
    const post = (job_type: string, payload: string) => ctx.app.inject({
      method: 'POST', url: '/api/v1/pim/bulk-jobs', headers: { ...a.headers, 'content-type': 'application/json' },
      payload: `{"job_type":"${job_type}","payload":${payload}}`,
    });
    for (const [type, payload] of [
      ['BULK_DELETE', nested(5000)], ['BULK_IMPORT', `[{"title":"Deep","photos":${nested(5000, '"x"')}}]`], ['BULK_DELETE', JSON.stringify(nested(5000))],
    ] as const) {
      const res = await post(type, payload);
      expect(res.statusCode, `${type} ${payload.slice(0, 12)}`).toBe(400);
      expect(res.json().error.code).toBe('PIM_005');
      expect(res.json().error.details.context.reason).toMatch(/nested more than 64 levels/);
    }
    // With a NUL deep inside, the body's check for characters PostgreSQL cannot store refuses it (VAL_001).
    const withNul = await post('BULK_DELETE', nested(5000, '"\\u0000"'));
    expect([withNul.statusCode, withNul.json().error.code]).toEqual([400, 'VAL_001']);
    const [{ n }] = await ctx.sql`select count(*)::int as n from bulk_jobs where store_id = ${a.storeId}`;
    expect(n).toBe(0);
    expect((await post('BULK_IMPORT', '[{"title":"Shallow","photos":["a"]}]')).statusCode).toBe(200);
  });

  it('answers an absurd page with VAL_001', async () => {
    const a = await createPimActor(ctx);
    for (const url of ['/api/v1/pim/bulk-jobs', '/api/v1/pim/validation-issues']) {
      for (const page of ['100000000000000000000', '1000001']) {
        const res = await pimRequest(ctx, a, 'GET', `${url}?page=${page}`);
        expect(res.statusCode, `${url}?page=${page}`).toBe(400);
        expect(res.json().error.code).toBe('VAL_001');
      }
      expect((await pimRequest(ctx, a, 'GET', `${url}?page=1000000`)).statusCode).toBe(200);
    }
  });

  it('says of a limit that is no integer only what it breaks: not bounds a number of 2.5 keeps', async () => {
    const a = await createPimActor(ctx);
    const told = async (query: string) => {
      const res = await pimRequest(ctx, a, 'GET', `/api/v1/pim/bulk-jobs${query}`);
      expect(res.statusCode, query).toBe(400);
      return res.json().error.details.context.validationErrors;
    };
    expect(await told('?limit=2.5')).toEqual({ querystring: { limit: 'limit must be an integer number' } });
    expect(await told('?limit=abc')).toEqual({ querystring: { limit: 'limit must be an integer number' } });
    expect(await told('?limit=0.5')).toEqual({ querystring: { limit: 'limit must not be less than 1, limit must be an integer number' } });
  });
});

describe('GET /pim/bulk-jobs filters by type or job_type', () => {
  it('takes job_type (the seed\'s name) as type; both given must agree, else VAL_001 names them', async () => {
    const a = await createPimActor(ctx);
    const create = async (job_type: string, payload: unknown) =>
      (await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type, payload })).json().data.id as string;
    const imported = await create('BULK_IMPORT', [{ title: 'Chair' }]);
    const deleted = await create('BULK_DELETE', ['00000000-0000-4000-8000-000000000000']);
    const ids = async (query: string) => {
      const res = await pimRequest(ctx, a, 'GET', `/api/v1/pim/bulk-jobs${query}`);
      expect(res.statusCode, query).toBe(200);
      return res.json().data.map((j: any) => j.id);
    };
    expect(await ids('?job_type=BULK_IMPORT')).toEqual([imported]);
    expect(await ids('?type=BULK_DELETE')).toEqual([deleted]);
    expect(await ids('?type=BULK_IMPORT&job_type=BULK_IMPORT')).toEqual([imported]);
    expect(await ids('')).toEqual([]);
    const conflict = await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_IMPORT&job_type=BULK_DELETE');
    expect([conflict.statusCode, conflict.json().error.code]).toEqual([400, 'VAL_001']);
    expect(conflict.json().error.details.context.validationErrors.querystring)
      .toEqual({ job_type: 'job_type (BULK_DELETE) and type (BULK_IMPORT) are two names of one filter: send one, or the same value in both' });
    const unknown = await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?job_type=BULK_MERGE');
    expect(unknown.json().error.details.context.validationErrors.querystring.job_type).toMatch(/must be one of the following values/);
  });
});

describe('GET /pim/validation-issues', () => {
  it('pages the open issues with their total, as the bulk-jobs list does', async () => {
    const a = await createPimActor(ctx);
    // 7 open issues and a resolved one, oldest first.
    await ctx.sql`
      insert into validation_issues (store_id, product_id, code, severity, message, resolved, created_at)
      select ${a.storeId}, gen_random_uuid(), 'MISSING_PHOTOS', 'WARNING', 'The product has no photos', n = 8, now() - n * interval '1 minute'
      from generate_series(1, 8) n`;
    const page = async (query: string) => (await pimRequest(ctx, a, 'GET', `/api/v1/pim/validation-issues${query}`)).json();
    const first = await page('');
    expect(first.data).toHaveLength(7);
    expect(first.meta.pagination).toEqual({ page: 1, limit: 100, total: 7, totalPages: 1, nextCursor: null });
    const third = await page('?page=3&limit=3');
    expect(third.meta.pagination).toEqual({ page: 3, limit: 3, total: 7, totalPages: 3, nextCursor: null });
    expect(third.data.map((i: any) => i.id)).toEqual([first.data[6].id]);
    expect((await page('?page=4&limit=3')).data).toEqual([]);
  });

  it('filters by severity, rule and product, the total counting what matches; refuses a value it does not know', async () => {
    const a = await createPimActor(ctx);
    const [p, q] = [crypto.randomUUID(), crypto.randomUUID()];
    await ctx.sql`
      insert into validation_issues (store_id, product_id, code, severity, message, resolved) values
        (${a.storeId}, ${p}, 'INVALID_BARCODE', 'ERROR', 'bad barcode', false),
        (${a.storeId}, ${p}, 'MISSING_PHOTOS', 'WARNING', 'no photos', false),
        (${a.storeId}, ${q}, 'DUPLICATE_SKU', 'ERROR', 'duplicate', false),
        (${a.storeId}, ${q}, 'INVALID_BARCODE', 'ERROR', 'fixed since', true)`;
    const list = async (query: string) => {
      const body = (await pimRequest(ctx, a, 'GET', `/api/v1/pim/validation-issues${query}`)).json();
      return [body.meta.pagination.total, body.data.map((i: any) => `${i.product_id === p ? 'p' : 'q'}:${i.code}`).sort()];
    };
    expect(await list('?severity=ERROR')).toEqual([2, ['p:INVALID_BARCODE', 'q:DUPLICATE_SKU']]);
    expect(await list('?severity=WARNING')).toEqual([1, ['p:MISSING_PHOTOS']]);
    expect(await list('?code=INVALID_BARCODE')).toEqual([1, ['p:INVALID_BARCODE']]);
    expect(await list(`?product_id=${q}`)).toEqual([1, ['q:DUPLICATE_SKU']]);
    expect(await list(`?severity=ERROR&product_id=${p}&limit=1`)).toEqual([1, ['p:INVALID_BARCODE']]);
    for (const bad of ['?severity=FATAL', '?code=NOPE', '?product_id=42']) {
      const res = await pimRequest(ctx, a, 'GET', `/api/v1/pim/validation-issues${bad}`);
      expect([bad, res.statusCode, res.json().error.code]).toEqual([bad, 400, 'VAL_001']);
    }
  });
});

describe('PIM lists read their total and their page from one snapshot', () => {
  it('never answers a total that disagrees with the page while rows are committed meanwhile', async () => {
    const a = await createPimActor(ctx);
    const inserts = {
      '/api/v1/pim/validation-issues?limit=500': ctx.sql`
        insert into validation_issues (store_id, product_id, code, severity, message) values (${a.storeId}, gen_random_uuid(), 'MISSING_PHOTOS', 'WARNING', 'No photos')`,
      '/api/v1/pim/bulk-jobs?type=BULK_DELETE&limit=100': ctx.sql`
        insert into bulk_jobs (store_id, job_type, payload, created_by) values (${a.storeId}, 'BULK_DELETE', '[]', ${a.email})`,
    };
    for (const [url, insert] of Object.entries(inserts)) {
      // Another connection commits a row after another while the list is read (fewer rows than a page holds).
      let writing = true;
      const writer = (async () => { for (let n = 0; writing && n < 90; n++) await ctx.sql`${insert}`; })();
      const disagreements: string[] = [];
      try {
        for (let i = 0; i < 40; i++) {
          const body = (await pimRequest(ctx, a, 'GET', url)).json();
          if (body.data.length !== body.meta.pagination.total) disagreements.push(`total ${body.meta.pagination.total}, ${body.data.length} on the page`);
        }
      } finally { writing = false; await writer; }
      expect(disagreements, url).toEqual([]);
    }
  });

  it('answers the total on a page past the end', async () => {
    const a = await createPimActor(ctx);
    await ctx.sql`insert into validation_issues (store_id, product_id, code, severity, message)
      select ${a.storeId}, gen_random_uuid(), 'MISSING_PHOTOS', 'WARNING', 'No photos' from generate_series(1, 3)`;
    await ctx.sql`insert into bulk_jobs (store_id, job_type, payload, created_by) select ${a.storeId}, 'BULK_UPDATE', '[]', ${a.email} from generate_series(1, 3)`;
    for (const url of ['/api/v1/pim/validation-issues', '/api/v1/pim/bulk-jobs']) {
      const body = (await pimRequest(ctx, a, 'GET', `${url}?page=3&limit=2`)).json();
      expect([body.data, body.meta.pagination], url).toEqual([[], { page: 3, limit: 2, total: 3, totalPages: 2, nextCursor: null }]);
    }
    const none = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_IMPORT')).json();
    expect([none.data, none.meta.pagination]).toEqual([[], { page: 1, limit: 20, total: 0, totalPages: 0, nextCursor: null }]);
  });
});

describe('PIM_002 and PIM_003 name the scope header at fault', () => {
  it('says which of X-Org-ID and X-Tenant-ID is missing, not a uuid, or not yours', async () => {
    const a = await createPimActor(ctx);
    const b = await createPimActor(ctx);
    const contextOf = async (headers: Record<string, string | undefined>, code: string) => {
      const sent = Object.fromEntries(Object.entries({ ...a.headers, ...headers }).filter(([, v]) => v !== undefined)) as Record<string, string>;
      const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/pim/validation-issues', headers: sent });
      expect([res.statusCode, res.json().error.code]).toEqual([403, code]);
      return res.json().error.details.context;
    };
    expect(await contextOf({ 'x-org-id': undefined }, 'PIM_002')).toEqual({ orgId: null, header: 'X-Org-ID', reason: 'missing' });
    expect(await contextOf({ 'x-org-id': undefined, 'x-tenant-id': undefined }, 'PIM_002'))
      .toEqual({ orgId: null, header: 'X-Org-ID', reason: 'missing', alsoMissing: ['X-Tenant-ID'] });
    // An empty header is missing, as each header's own reason says.
    expect(await contextOf({ 'x-org-id': '', 'x-tenant-id': '' }, 'PIM_002'))
      .toEqual({ orgId: '', header: 'X-Org-ID', reason: 'missing', alsoMissing: ['X-Tenant-ID'] });
    expect(await contextOf({ 'x-org-id': 'acme' }, 'PIM_002')).toEqual({ orgId: 'acme', header: 'X-Org-ID', reason: 'not a uuid' });
    expect(await contextOf({ 'x-org-id': b.orgId }, 'PIM_002')).toEqual({ orgId: b.orgId, header: 'X-Org-ID', reason: "is not your token's organization" });
    expect(await contextOf({ 'x-tenant-id': undefined }, 'PIM_003')).toEqual({ tenantId: null, header: 'X-Tenant-ID', reason: 'missing' });
    expect(await contextOf({ 'x-tenant-id': 'store-1' }, 'PIM_003')).toEqual({ tenantId: 'store-1', header: 'X-Tenant-ID', reason: 'not a uuid' });
    // Another organization's tenant and no tenant at all read the same.
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await contextOf({ 'x-tenant-id': b.tenantId }, 'PIM_003')).toEqual({ tenantId: b.tenantId, header: 'X-Tenant-ID', reason: 'is not a tenant of your organization' });
    expect(await contextOf({ 'x-tenant-id': unknown }, 'PIM_003')).toEqual({ tenantId: unknown, header: 'X-Tenant-ID', reason: 'is not a tenant of your organization' });
  });
});
