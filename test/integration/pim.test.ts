import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { duplicateSkuRechecksDone } from '../helpers/duplicate-sku-rechecks.js';
import { createPimActor, pimRequest, runJob, waitJob as waitFor, type PimActor } from '../helpers/pim.js';
import { revokePimTokens } from '../../src/pim/pim-auth.js';
import { setStoreStatus } from '../../src/stores/stores.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const waitJob = (actor: PimActor, id: string) => waitFor(ctx, actor, id);

describe('PIM auth', () => {
  it('answers 401 without or with a bad/revoked token, 403 for another org or tenant', async () => {
    const a = await createPimActor(ctx);
    const b = await createPimActor(ctx);
    const url = '/api/v1/pim/validation-issues';
    const none = await ctx.app.inject({ method: 'GET', url, headers: { 'x-org-id': a.orgId, 'x-tenant-id': a.tenantId } });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('PIM_001');
    // A 401 carries its challenge (RFC 9110 11.6.1, RFC 6750 3: it had none; QA).
    expect(none.headers['www-authenticate']).toBe('Bearer realm="omni-pim"');
    const bad = await pimRequest(ctx, { headers: { ...a.headers, authorization: 'Bearer pim_nope' } }, 'GET', url);
    expect([bad.statusCode, bad.headers['www-authenticate']]).toEqual([401, 'Bearer realm="omni-pim", error="invalid_token"']);
    const challenge = async (authorization: string) => (await pimRequest(ctx, { headers: { ...a.headers, authorization } }, 'GET', url)).headers['www-authenticate'];
    expect([await challenge('Basic dTpw'), await challenge('Bearer'), await challenge('Bearer a b')])
      .toEqual(['Bearer realm="omni-pim"', 'Bearer realm="omni-pim", error="invalid_request"', 'Bearer realm="omni-pim", error="invalid_request"']);
    const otherOrg = await pimRequest(ctx, { headers: { ...a.headers, 'x-org-id': b.orgId } }, 'GET', url);
    expect(otherOrg.statusCode).toBe(403);
    expect(otherOrg.json().error.code).toBe('PIM_002');
    const otherTenant = await pimRequest(ctx, { headers: { ...a.headers, 'x-tenant-id': b.tenantId } }, 'GET', url);
    expect(otherTenant.statusCode).toBe(403);
    expect(otherTenant.json().error.code).toBe('PIM_003');
    expect((await pimRequest(ctx, a, 'GET', url)).statusCode).toBe(200);
    await revokePimTokens(ctx.sql, { token: a.token });
    expect((await pimRequest(ctx, a, 'GET', url)).statusCode).toBe(401);
  });

  it("refuses every request for a blocked store's tenant (PIM_011), as the Partner API does, and writes nothing", async () => {
    const a = await createPimActor(ctx);
    await setStoreStatus(ctx.sql, a.store.storeClientId, 'BLOCKED');
    const job = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: [{ title: 'while blocked' }] });
    expect([job.statusCode, job.json().error]).toEqual([403, expect.objectContaining({ code: 'PIM_011', message: 'Tenant blocked' })]);
    expect((await pimRequest(ctx, a, 'GET', '/api/v1/pim/validation-issues')).json().error.code).toBe('PIM_011');
    // A wrong token is still 401 first, as seed 004 has it: before any business logic.
    expect((await pimRequest(ctx, { headers: { ...a.headers, authorization: 'Bearer pim_nope' } }, 'GET', '/api/v1/pim/validation-issues')).statusCode).toBe(401);
    const [{ jobs }] = await ctx.sql`select count(*)::int as jobs from bulk_jobs where store_id = ${a.storeId}`;
    expect(jobs).toBe(0);
    await setStoreStatus(ctx.sql, a.store.storeClientId, 'ACTIVE');
    expect((await pimRequest(ctx, a, 'GET', '/api/v1/pim/validation-issues')).statusCode).toBe(200);
  });
});

describe('PIM bulk jobs', () => {
  it('imports with progress and item errors, updates, deletes, and never crosses tenants', async () => {
    const a = await createPimActor(ctx);
    const b = await createPimActor(ctx);
    const payload = [
      { title: 'Lamp', sku: 'LAMP-1', description: 'A lamp', price: '19.90' },
      { sku: 'NO-TITLE' },
      { title: 'Chair', sku: 'CHAIR-1', price: 49 },
      { title: 'Dup', sku: 'LAMP-1' },
    ];
    const created = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: JSON.stringify(payload) });
    expect(created.statusCode).toBe(200);
    expect(created.json().data).toMatchObject({ job_type: 'BULK_IMPORT', status: 'PENDING', total_items: null, payload: JSON.stringify(payload) });
    const job = await waitJob(a, created.json().data.id);
    expect(job).toMatchObject({ status: 'COMPLETED', total_items: 4, processed_items: 2, failed_items: 2 });
    expect(job.item_errors).toEqual([{ index: 1, code: 'VAL_001', error: 'title is required' }, { index: 3, code: 'PRD_003', error: 'sku already exists' }]);
    const products = await ctx.sql`select id, name, sku, price::float8 as price from products where store_id = ${a.storeId} order by sku`;
    expect(products.map((p) => [p.name, p.sku, p.price])).toEqual([['Chair', 'CHAIR-1', 49], ['Lamp', 'LAMP-1', 19.9]]);

    const bad = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: '{not json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('PIM_005');

    // Tenant B cannot touch tenant A's products through its own tenant.
    const foreign = await pimRequest(ctx, b, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_UPDATE', payload: [{ id: products[0].id, title: 'Stolen' }] });
    const foreignJob = await waitJob(b, foreign.json().data.id);
    expect(foreignJob).toMatchObject({ status: 'FAILED', processed_items: 0, item_errors: [{ index: 0, code: 'PRD_001', error: 'product not found' }] });
    expect((await pimRequest(ctx, b, 'GET', `/api/v1/pim/bulk-jobs/${created.json().data.id}`)).statusCode).toBe(404);

    const update = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_UPDATE', payload: [{ id: products[0].id, title: 'Armchair' }] });
    expect(await waitJob(a, update.json().data.id)).toMatchObject({ status: 'COMPLETED', processed_items: 1 });
    const del = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_DELETE', payload: [products[1].id, '00000000-0000-4000-8000-000000000000'] });
    expect(await waitJob(a, del.json().data.id)).toMatchObject({ status: 'COMPLETED', processed_items: 1, failed_items: 1 });
    const left = await ctx.sql`select name from products where store_id = ${a.storeId}`;
    expect(left.map((r) => r.name)).toEqual(['Armchair']);

    const list = await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs');
    expect(list.json().data.map((j: any) => j.job_type)).toEqual(['BULK_UPDATE']);
    const imports = await pimRequest(ctx, a, 'GET', '/api/v1/pim/bulk-jobs?type=BULK_IMPORT');
    expect(imports.json().data.map((j: any) => j.id)).toEqual([bad.json().data?.id, created.json().data.id].filter(Boolean));

    const audit = await pimRequest(ctx, a, 'GET', '/api/v1/audit');
    // Each job's creation, then its products' changes (newest first).
    expect(audit.json().data.slice(0, 4).map((e: any) => [e.action, e.actor_email])).toEqual([
      ['product.deleted', a.email], ['bulk_job.created', a.email], ['product.updated', a.email], ['bulk_job.created', a.email],
    ]);
    await expect(ctx.sql`update audit_events set action = 'x' where store_id = ${a.storeId}`).rejects.toThrow();
  });
});

describe('PIM bulk update races', () => {
  it('fails only the item whose external_id another writer took after the job was queued; the others apply', async () => {
    const a = await createPimActor(ctx);
    const [x] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${a.storeId}, 'x', 'SX', 'X') returning id`;
    const [y] = await ctx.sql`insert into products (store_id, external_id, sku, name) values (${a.storeId}, 'y', 'SY', 'Y') returning id`;
    const payload = [{ id: x.id, external_id: 'ext-race', title: 'X2' }, { id: y.id, title: 'Y2' }];
    const jobId = await ctx.sql.begin(async (tx) => {
      await tx`insert into products (store_id, external_id, sku, name) values (${a.storeId}, 'ext-race', 'SR', 'Racer')`;
      return (await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_UPDATE', payload })).json().data.id as string;
    });
    const job = await waitJob(a, jobId);
    expect(job).toMatchObject({ processed_items: 1, failed_items: 1, item_errors: [{ index: 0, code: 'PRD_002', error: 'external_id already exists' }] });
    const names = await ctx.sql`select external_id, name from products where store_id = ${a.storeId} order by external_id`;
    expect(names.map((n) => [n.external_id, n.name])).toEqual([['ext-race', 'Racer'], ['x', 'X'], ['y', 'Y2']]);
  });
});

describe('PIM bulk update of a SKU a variant holds', () => {
  it('fails only that item; the others of its chunk apply', async () => {
    const a = await createPimActor(ctx);
    const [lamp] = await ctx.sql`insert into products (store_id, sku, name) values (${a.storeId}, 'L', 'Lamp') returning id`;
    const [chair] = await ctx.sql`insert into products (store_id, sku, name) values (${a.storeId}, 'C', 'Chair') returning id`;
    const [parent] = await ctx.sql`insert into products (store_id, name, has_variants) values (${a.storeId}, 'Parent', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${a.storeId}, ${parent.id}, 'VSKU')`;
    const job = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_UPDATE', payload: [{ id: lamp.id, title: 'Lamp2' }, { id: chair.id, sku: 'VSKU' }] });
    expect(await waitJob(a, job.json().data.id)).toMatchObject({ status: 'COMPLETED', processed_items: 1, failed_items: 1, item_errors: [{ index: 1, code: 'PRD_003', error: 'sku already exists' }] });
    const rows = await ctx.sql`select name, sku from products where store_id = ${a.storeId} and sku is not null order by sku`;
    expect(rows.map((r) => [r.name, r.sku])).toEqual([['Chair', 'C'], ['Lamp2', 'L']]);
  });
});

describe('data-quality rules', () => {
  it('raises every rule and resolves each one when the data is fixed', async () => {
    const a = await createPimActor(ctx);
    const issues = async () => (await pimRequest(ctx, a, 'GET', '/api/v1/pim/validation-issues')).json().data.map((i: any) => `${i.code}:${i.severity}`).sort();
    const payload = [{ title: 'Poor', sku: 'q-1', price: 10, special_price: 12, barcode: '4006381333932' }, { title: 'Twin', sku: 'Q-1' }];
    const job = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload });
    await waitJob(a, job.json().data.id);
    const [poor] = await ctx.sql`select id from products where store_id = ${a.storeId} and sku = 'q-1'`;
    // Both products were written together: each sees the other's SKU (case-insensitive).
    expect(await issues()).toEqual([
      'DUPLICATE_SKU:ERROR', 'DUPLICATE_SKU:ERROR', 'INVALID_BARCODE:ERROR', 'LOW_QUALITY_SCORE:WARNING', 'LOW_QUALITY_SCORE:WARNING', 'MISSING_DESCRIPTION:WARNING',
      'MISSING_DESCRIPTION:WARNING', 'MISSING_PHOTOS:WARNING', 'MISSING_PHOTOS:WARNING', 'SPECIAL_PRICE_NOT_BELOW_PRICE:ERROR',
    ]);
    const fix = [{
      id: poor.id, sku: 'Q-2', description: 'A complete description of a product that now has everything a good listing needs, long enough.',
      special_price: 9, barcode: '4006381333931', photos: ['https://x.example/1.jpg', 'https://x.example/2.jpg', 'https://x.example/3.jpg'],
      category_id: '2fde2994-28a8-4d09-a128-6d744b9e1323', brand_id: 'addcaa1b-8cdb-4c9a-9e5d-8b0fbbacfaea',
    }];
    const update = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_UPDATE', payload: fix });
    await waitJob(a, update.json().data.id);
    // The twin still lacks description and photos; its duplicate SKU went with the other's SKU.
    expect(await issues()).toEqual(['LOW_QUALITY_SCORE:WARNING', 'MISSING_DESCRIPTION:WARNING', 'MISSING_PHOTOS:WARNING']);
    const [{ open }] = await ctx.sql`select count(*)::int as open from validation_issues where product_id = ${poor.id} and not resolved`;
    expect(open).toBe(0);
    const [{ n }] = await ctx.sql`select count(*)::int as n from validation_issues where product_id = ${poor.id} and resolved and resolved_at is not null`;
    expect(n).toBe(6);
  });

  it('scores a SKU, as seed 004 says ("Include sku, description, category, and brand fields for better catalog quality scores")', async () => {
    const a = await createPimActor(ctx);
    const description = 'x'.repeat(120); // 25 points, and a category 15
    const category_id = '2fde2994-28a8-4d09-a128-6d744b9e1323';
    await runJob(ctx, a, 'BULK_IMPORT', [
      { title: 'Q0' }, { title: 'Q1', sku: 'Q1-SKU' }, { title: 'Q2', description, category_id }, { title: 'Q3', sku: 'Q3-SKU', description, category_id },
    ]);
    const low = await ctx.sql<{ name: string; message: string }[]>`select p.name, vi.message from validation_issues vi join products p on p.id = vi.product_id
      where vi.store_id = ${a.storeId} and vi.code = 'LOW_QUALITY_SCORE' and not vi.resolved order by p.name`;
    // 0 and 10; 40, and 50 with the SKU: no LOW_QUALITY_SCORE (0119).
    expect(low.map((r) => `${r.name}: ${r.message}`)).toEqual([
      'Q0: Data quality score 0 is below 50', 'Q1: Data quality score 10 is below 50', 'Q2: Data quality score 40 is below 50']);
  });

  it("counts another product's variant with the same SKU as a duplicate, and resolves it when the variant goes", async () => {
    const a = await createPimActor(ctx);
    const [parent] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name, has_variants) values (${a.storeId}, 'Parent', true) returning id`;
    const [variant] = await ctx.sql<{ id: string }[]>`insert into product_variants (store_id, product_id, sku) values (${a.storeId}, ${parent.id}, 'VAR-9') returning id`;
    const [simple] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name, sku) values (${a.storeId}, 'Simple', 'var-9') returning id`;
    const open = async () => (await ctx.sql<{ code: string }[]>`
      select code from validation_issues where product_id = ${simple.id} and not resolved order by code`).map((r) => r.code);
    await ctx.sql`select evaluate_quality(${a.storeId}::uuid, ${[simple.id]}::uuid[])`;
    expect(await open()).toEqual(['DUPLICATE_SKU', 'LOW_QUALITY_SCORE', 'MISSING_DESCRIPTION', 'MISSING_PHOTOS']);
    // Its follow-up (0123) first: run beside the update below, it evaluated the product as it was
    // before the update committed, and the issue the update's trigger resolved was open again until
    // the update's own follow-up ran.
    await duplicateSkuRechecksDone(ctx, a.storeId);
    // The variant's SKU changes, or the variant goes: the product's duplicate resolves by itself.
    await ctx.sql`update product_variants set sku = 'VAR-10' where id = ${variant.id}`;
    expect(await open()).toEqual(['LOW_QUALITY_SCORE', 'MISSING_DESCRIPTION', 'MISSING_PHOTOS']);
    await ctx.sql`update product_variants set sku = 'VAR-9' where id = ${variant.id}`;
    await ctx.sql`select evaluate_quality(${a.storeId}::uuid, ${[simple.id]}::uuid[])`;
    expect(await open()).toContain('DUPLICATE_SKU');
    await duplicateSkuRechecksDone(ctx, a.storeId);
    await ctx.sql`delete from product_variants where id = ${variant.id}`;
    expect(await open()).toEqual(['LOW_QUALITY_SCORE', 'MISSING_DESCRIPTION', 'MISSING_PHOTOS']);
  });

  it('resolves the DUPLICATE_SKU of the other holders when a product of the pair changes its SKU or is deleted', async () => {
    const a = await createPimActor(ctx);
    const duplicates = async () => (await ctx.sql<{ sku: string }[]>`
      select p.sku from validation_issues vi join products p on p.id = vi.product_id
      where vi.store_id = ${a.storeId} and vi.code = 'DUPLICATE_SKU' and not vi.resolved`).map((r) => r.sku).sort();
    await runJob(ctx, a, 'BULK_IMPORT', [{ title: 'A', sku: 'dup-9' }, { title: 'B', sku: 'DUP-9' }, { title: 'C', sku: 'ab-1' }, { title: 'D', sku: 'AB-1' }, { title: 'E', sku: 'Ab-1' }]);
    expect(await duplicates()).toEqual(['AB-1', 'Ab-1', 'DUP-9', 'ab-1', 'dup-9']);
    const id = async (sku: string) => (await ctx.sql`select id from products where store_id = ${a.storeId} and sku = ${sku}`)[0].id as string;
    // One of a pair leaves the SKU: the other is alone with it. Of three, the two left are still duplicates.
    expect(await runJob(ctx, a, 'BULK_UPDATE', [{ id: await id('dup-9'), sku: 'unique-1' }, { id: await id('ab-1'), sku: 'unique-2' }])).toMatchObject({ processed_items: 2 });
    expect(await duplicates()).toEqual(['AB-1', 'Ab-1']);
    expect(await runJob(ctx, a, 'BULK_DELETE', [await id('AB-1')])).toMatchObject({ processed_items: 1 });
    expect(await duplicates()).toEqual([]);
  });
});

describe('PIM bulk job items as seed 004 names their fields', () => {
  it('echoes a payload sent as JSON, not as a string of it, as it stood in the body (seed 004: "the raw content you sent")', async () => {
    const a = await createPimActor(ctx);
    const rawPayload = '[ {"title": "Sofa", "price": 1.50, "sku":"SOFA-\\u0031"} ]';
    const asJson = await ctx.app.inject({
      method: 'POST', url: '/api/v1/pim/bulk-jobs', headers: { ...a.headers, 'content-type': 'application/json' }, payload: `{"job_type":"BULK_IMPORT", "payload" : ${rawPayload} }`,
    });
    expect(asJson.json().data.payload).toBe(rawPayload);
    expect((await waitJob(a, asJson.json().data.id)).payload).toBe(rawPayload);
    const [sofa] = await ctx.sql`select price::float8 as price from products where store_id = ${a.storeId} and sku = 'SOFA-1'`;
    expect(sofa.price).toBe(1.5);
  });

  it('takes category and brand (the seed names them) as the taxonomy ids, and refuses a blank title on update', async () => {
    const a = await createPimActor(ctx);
    const category = '2fde2994-28a8-4d09-a128-6d744b9e1323';
    const brand = 'addcaa1b-8cdb-4c9a-9e5d-8b0fbbacfaea';
    const job = await runJob(ctx, a, 'BULK_IMPORT', [
      { title: 'Lamp', sku: 'CB-1', category, brand: brand.toUpperCase() },
      { title: 'Named', category: 'Lighting' },
      { title: 'Twice', category, category_id: '00000000-0000-4000-8000-000000000000' },
    ]);
    expect(job).toMatchObject({ status: 'COMPLETED', processed_items: 1, failed_items: 2 });
    expect(job.item_errors).toEqual([{ index: 1, code: 'VAL_001', error: 'category must be a uuid' }, { index: 2, code: 'VAL_001', error: 'category and category_id name different ids' }]);
    const [lamp] = await ctx.sql`select id, name, category_id, brand_id from products where store_id = ${a.storeId}`;
    expect([lamp.category_id, lamp.brand_id]).toEqual([category, brand]);
    // An id that names no category or brand fails its item (PRD_007), in imports and updates.
    const unknown = '00000000-0000-4000-8000-000000000000';
    const refs = await runJob(ctx, a, 'BULK_IMPORT', [{ title: 'No such category', category: unknown }, { title: 'Fine', category }, { title: 'No such brand', brand: unknown }]);
    expect(refs).toMatchObject({ status: 'COMPLETED', processed_items: 1, failed_items: 2 });
    expect(refs.item_errors).toEqual([
      { index: 0, code: 'PRD_007', error: `category ${unknown} does not exist` }, { index: 2, code: 'PRD_007', error: `brand ${unknown} does not exist` },
    ]);
    const renamed = await runJob(ctx, a, 'BULK_UPDATE', [{ id: lamp.id, title: 'Lamp 2', brand: unknown }]);
    expect(renamed.item_errors).toEqual([{ index: 0, code: 'PRD_007', error: `brand ${unknown} does not exist` }]);
    // An update may leave the title out, not blank it.
    const blank = await runJob(ctx, a, 'BULK_UPDATE', [{ id: lamp.id, title: '' }, { id: lamp.id, title: '  ', sku: 'CB-2' }]);
    expect(blank).toMatchObject({ status: 'FAILED', processed_items: 0, failed_items: 2 });
    expect(blank.item_errors).toEqual([{ index: 0, code: 'VAL_001', error: 'title must not be empty' }, { index: 1, code: 'VAL_001', error: 'title must not be empty' }]);
    const [after] = await ctx.sql`select name, sku from products where id = ${lamp.id}`;
    expect(after).toEqual({ name: 'Lamp', sku: 'CB-1' });
  });

  it("names the creating request and its caller's address in its items' audit events", async () => {
    const a = await createPimActor(ctx);
    const created = await pimRequest(ctx, a, 'POST', '/api/v1/pim/bulk-jobs', { job_type: 'BULK_IMPORT', payload: [{ title: 'Audited' }] });
    await waitJob(a, created.json().data.id);
    const [event] = (await pimRequest(ctx, a, 'GET', '/api/v1/audit')).json().data;
    expect(event).toMatchObject({ action: 'product.created', actor_email: a.email, request_id: created.json().requestId, ip_address: '127.0.0.1' });
  });
});

describe('PIM audit events of bulk updates and deletions', () => {
  it('say what an update changed and what a deletion removed, as the Partner API\'s events do (seed 004: "who changed what and when")', async () => {
    const a = await createPimActor(ctx);
    const [lamp] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${a.storeId}, 'lamp', 'L-1', 'Lamp', 10) returning id`;
    const update = await runJob(ctx, a, 'BULK_UPDATE', [{ id: lamp.id, title: 'Desk lamp', price: 12.5, description: undefined }]);
    const remove = await runJob(ctx, a, 'BULK_DELETE', [lamp.id]);
    const [deleted, updated] = (await pimRequest(ctx, a, 'GET', '/api/v1/audit')).json().data.filter((e: any) => e.resource_type === 'product');
    expect(updated).toMatchObject({ action: 'product.updated', resource_id: lamp.id });
    expect(updated.details).toEqual({ bulkJobId: update.id, name: { before: 'Lamp', after: 'Desk lamp' }, price: { before: 10, after: 12.5 } });
    expect(deleted).toMatchObject({ action: 'product.deleted', resource_id: lamp.id });
    expect(deleted.details).toEqual({ bulkJobId: remove.id, before: { externalId: 'lamp', sku: 'L-1', name: 'Desk lamp' } });
  });
});
