import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { createPimActor, pimRequest, runJob, type PimActor } from '../helpers/pim.js';

// A catalog team read its catalog only through the whole export: an issue named its product_id, and
// the product itself was the Partner API's to read, with the partner's credentials.
let ctx: TestContext;
let worker: Runner;
let a: PimActor;
let b: PimActor;
beforeAll(async () => {
  ctx = await createTestApp();
  worker = await startTestWorker(ctx);
  a = await createPimActor(ctx);
  b = await createPimActor(ctx);
  const job = await runJob(ctx, a, 'BULK_IMPORT', [
    { title: 'Linen shirt', sku: 'LS-1', price: 25 }, { title: 'Wool coat', sku: 'WC-1', price: '120.5' }, { title: 'Cap', sku: 'CP-1' },
  ]);
  expect(job.status).toBe('COMPLETED');
  await runJob(ctx, b, 'BULK_IMPORT', [{ title: 'Not yours', sku: 'NY-1', price: 1 }]);
});
afterAll(async () => { await worker.stop(); await ctx.close(); });

describe('PIM product reads', () => {
  it("lists the tenant's products only, as the Partner API lists them, by page or by cursor", async () => {
    const all = await pimRequest(ctx, a, 'GET', '/api/v1/pim/products?sortBy=name&order=asc');
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().data.map((p: any) => [p.name, p.sku, p.price])).toEqual([['Cap', 'CP-1', null], ['Linen shirt', 'LS-1', 25], ['Wool coat', 'WC-1', 120.5]]);
    expect(all.json().meta.pagination).toEqual({ page: 1, limit: 20, total: 3, totalPages: 1, nextCursor: null });
    const partner = await signedInject(ctx, a.store, { method: 'GET', url: '/api/v1/partner/stores/products?sortBy=name&order=asc' });
    expect(all.json().data).toEqual(partner.json().data);
    const first = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/products?limit=2')).json();
    const rest = (await pimRequest(ctx, a, 'GET', `/api/v1/pim/products?limit=2&after=${first.meta.pagination.nextCursor}`)).json();
    expect([...first.data, ...rest.data].map((p: any) => p.sku).sort()).toEqual(['CP-1', 'LS-1', 'WC-1']);
    expect(rest.meta.pagination.nextCursor).toBeNull();
    expect((await pimRequest(ctx, a, 'GET', '/api/v1/pim/products?q=coat')).json().data.map((p: any) => p.sku)).toEqual(['WC-1']);
  });

  it("reads one product as the Partner API does; another tenant's is 404 PRD_001, a malformed id VAL_001, no token 401", async () => {
    const [listed] = (await pimRequest(ctx, a, 'GET', '/api/v1/pim/products?q=LS-1')).json().data;
    const one = await pimRequest(ctx, a, 'GET', `/api/v1/pim/products/${listed.id}`);
    expect([one.statusCode, one.json().message]).toEqual([200, 'Product retrieved successfully']);
    const partner = await signedInject(ctx, a.store, { method: 'GET', url: `/api/v1/partner/stores/products/${listed.id}` });
    expect([one.json().data, one.headers.etag]).toEqual([partner.json().data, partner.headers.etag]);
    expect((await pimRequest(ctx, a, 'GET', `/api/v1/pim/products/${listed.id}?isVariantActive=true`)).statusCode).toBe(200);
    const [theirs] = (await pimRequest(ctx, b, 'GET', '/api/v1/pim/products')).json().data;
    const other = await pimRequest(ctx, a, 'GET', `/api/v1/pim/products/${theirs.id}`);
    expect([other.statusCode, other.json().error.code, other.json().error.details.context]).toEqual([404, 'PRD_001', { productId: theirs.id }]);
    expect((await pimRequest(ctx, a, 'GET', '/api/v1/pim/products/nope')).json().error.code).toBe('VAL_001');
    const anonymous = await ctx.app.inject({ method: 'GET', url: `/api/v1/pim/products/${listed.id}`, headers: { 'x-org-id': a.orgId, 'x-tenant-id': a.tenantId } });
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'PIM_001']);
  });
});
