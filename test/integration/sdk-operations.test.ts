import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { renderSdkOpenApi } from '../../src/http/sdk-openapi.js';
import { PartnerApiError, PartnerClient, partnerOperations } from '../../src/sdk/index.js';

let ctx: TestContext;
let doc: any;
beforeAll(async () => {
  ctx = await createTestApp();
  doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => { await ctx.close(); });

/** The SDK's fetch, answered by the app itself: the client's own bytes and headers reach the server. */
const injectFetch = (async (url: URL, init: RequestInit) => {
  const res = await ctx.app.inject({ method: init.method as 'GET', url: url.pathname + url.search, headers: init.headers as Record<string, string>, payload: init.body as string | undefined });
  return new Response(res.body, { status: res.statusCode, headers: res.headers as Record<string, string> });
}) as unknown as typeof fetch;

describe('the SDK operations (src/sdk/openapi.ts, src/sdk/operations.ts)', () => {
  it('are generated from the routes as they are now (npm run sdk:operations), one per Partner API operation', async () => {
    expect(readFileSync(new URL('../../src/sdk/openapi.ts', import.meta.url), 'utf8')).toBe(await renderSdkOpenApi(doc));
    const partnerPaths = Object.entries<any>(doc.paths).filter(([path]) => path.startsWith('/api/v1/partner/'))
      .flatMap(([path, item]) => Object.entries<any>(item).map(([method, op]) => `${op.operationId} ${method.toUpperCase()} ${path}`));
    expect(Object.entries(partnerOperations).map(([id, op]) => `${id} ${op.method} ${op.path}`).sort()).toEqual(partnerPaths.sort());
  });

  it('call: typed requests, partner-scoped ones without store headers, reference data unsigned', async () => {
    const who = await createTestStore(ctx, 1);
    const store = new PartnerClient('http://omni.test', who, injectFetch);
    expect((await store.call('getPartnerStoresWarehouses')).data.map((w) => w.clientId)).toEqual(who.warehouses.map((w) => w.clientId));
    expect((await store.call('getPartnerWebhooksEndpoints')).data).toEqual([]);
    expect((await store.call('getPartnerReferenceCategories')).data.length).toBeGreaterThan(0);
    const list = await store.call('getPartnerStoresProducts', { query: { page: 1, limit: 5, order: 'desc' } });
    expect(list.meta.pagination).toMatchObject({ page: 1, limit: 5, total: 0 });
  });

  it('call: an Idempotency-Key replays the first answer', async () => {
    const store = new PartnerClient('http://omni.test', await createTestStore(ctx, 0), injectFetch);
    const send = () => store.call('postPartnerStoresCatalogSync', {
      headers: { 'idempotency-key': 'sdk-ops-1' },
      body: { products: [{ externalId: 'ops-1', name: 'Mug', sku: 'OPS-1', price: 10, stock: 5 }] },
    });
    const first = await send();
    expect((await send()).data.batchId).toBe(first.data.batchId);
  });

  it('call: a non-2xx answer is a PartnerApiError with its code, message, details, requestId and status', async () => {
    const store = new PartnerClient('http://omni.test', await createTestStore(ctx, 0), injectFetch);
    const error = await store.call('getPartnerStoresProductsByProductId', { path: { productId: '00000000-0000-4000-8000-000000000000' } }).catch((e) => e);
    expect(error).toBeInstanceOf(PartnerApiError);
    expect(error).toMatchObject({ status: 404, code: 'PRD_001', message: 'Product not found', details: { hint: expect.any(String) }, requestId: expect.any(String) });
    await expect(store.forPartner().call('getPartnerStoresWarehouses')).rejects.toThrow('store operation');
  });

  it('turns a request the route schema refuses (VAL_001) into a type error', () => {
    const check = (client: PartnerClient) => [
      // @ts-expect-error: items is required
      client.call('patchPartnerStoresInventory', { body: {} }),
      // @ts-expect-error: an unknown field
      client.call('patchPartnerStoresInventory', { body: { items: [{ sku: 'A', stock: 1, stok: 2 }] } }),
      // @ts-expect-error: a value outside the enum
      client.call('getPartnerStoresProducts', { query: { order: 'sideways' } }),
      // @ts-expect-error: the path parameter is required
      client.call('getPartnerStoresProductsByProductId'),
    ];
    expect(check).toBeTypeOf('function');
  });
});
