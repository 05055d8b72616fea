import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { openOnboarding, sellerBrowser } from '../helpers/onboarding.js';
import { startTestWorker } from '../helpers/worker.js';
import { PartnerClient } from '../../src/sdk/index.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

/** The SDK's fetch, answered by the app itself (inject): the client's own bytes and headers reach the server. */
const injectFetch = (async (url: URL, init: RequestInit) => {
  const res = await ctx.app.inject({ method: init.method as 'GET', url: url.pathname + url.search, headers: init.headers as Record<string, string>, payload: init.body as string | undefined });
  return new Response(res.body, { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? '') } });
}) as unknown as typeof fetch;

async function clients(warehouses = 1) {
  const who = await createTestStore(ctx, warehouses);
  const store = new PartnerClient('http://omni.test', who, injectFetch);
  return { who, store, partner: store.forPartner() };
}

describe('the SDK against the server', () => {
  it('forPartner reaches the partner-scoped routes that refuse a store client (AUTH_004)', async () => {
    const { store, partner } = await clients();
    expect((await store.get('/api/v1/partner/stores/warehouses')).status).toBe(200);
    expect((await store.get('/api/v1/partner/webhooks/endpoints')).body.error.code).toBe('AUTH_004');
    expect(await partner.get('/api/v1/partner/webhooks/endpoints')).toMatchObject({ status: 200, body: { success: true, data: [] } });
  });

  it('forStoreAccess: a client for the store a seller authorized, from the ENCRYPTED: store access', async () => {
    const { who, partner } = await clients(2);
    const session = await openOnboarding(ctx, who);
    const browser = sellerBrowser(ctx, session.sid);
    await browser.open();
    await browser.signIn(session.email, session.password);
    expect((await browser.decide({ action: 'authorize', consent: 'yes', periodDays: '30' })).statusCode).toBe(303);
    const { body } = await partner.get(`/api/v1/partner/onboard/store-access?sid=${session.sid}`);
    const onboarded = partner.forStoreAccess(body.data.storeAccess, who.partnerEncryptionKey);
    const warehouses = await onboarded.get('/api/v1/partner/stores/warehouses');
    expect(warehouses.status).toBe(200);
    expect(warehouses.body.data.map((w: { clientId: string }) => w.clientId).sort()).toEqual(who.warehouses.map((w) => w.clientId).sort());
  });

  it('waitForBatch resolves once a catalog sync is applied, with every row (the route pages them by 100)', async () => {
    const { store } = await clients(0);
    // 250 rows, row 200 a SKU twice in the request: it came back with rows 0-99 alone (QA).
    const products = Array.from({ length: 250 }, (_, n) => ({ externalId: `sdk-${n}`, name: 'Mug', sku: `SDK-${n === 200 ? 1 : n}`, price: 10, stock: 5 }));
    const accepted = await store.post('/api/v1/partner/stores/catalog/sync', { products });
    expect(accepted.status).toBe(200);
    const worker = await startTestWorker(ctx);
    try {
      const done = await store.waitForBatch(accepted.body.data.batchId, { intervalMs: 50, timeoutMs: 20_000 });
      expect(done.body.data).toMatchObject({ status: 'COMPLETED', summary: { total: 250, succeeded: 249, failed: 1, pending: 0 } });
      expect(done.body.data.rows).toHaveLength(250);
      expect(done.body.data.rows.filter((r: { status: string }) => r.status === 'FAILED').map((r: { rowIndex: number }) => r.rowIndex)).toEqual([200]);
    } finally {
      await worker.stop();
    }
    await expect(store.waitForBatch('pb_00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ name: 'PartnerApiError', status: 404, code: 'BAT_001' });
  }, 60_000);
});
