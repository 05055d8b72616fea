import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { createPimActor, pimRequest, type PimActor } from '../helpers/pim.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

/** A Partner API write sent from `address` (the socket's peer: the app trusts no X-Forwarded-For). */
const send = (a: PimActor, method: 'POST' | 'PATCH', url: string, body: unknown, address: string) =>
  signedInject(ctx, a.store, { method, url: `/api/v1/partner/stores/${url}`, body, remoteAddress: address });

/** Sends an async write from `address` and waits for its batch. */
async function sendBatch(a: PimActor, method: 'POST' | 'PATCH', url: string, body: unknown, address: string) {
  const res = await send(a, method, url, body, address);
  expect(res.json()).toMatchObject({ data: { errors: [] } });
  await waitForBatch(ctx, res.json().data.batchId);
}

/** The tenant's audit events as GET /api/v1/audit (PIM) shows them: [action, resource_id, ip_address], oldest first. */
async function auditAddresses(a: PimActor) {
  const res = await pimRequest(ctx, a, 'GET', '/api/v1/audit');
  expect(res.statusCode).toBe(200);
  return (res.json().data as { action: string; resource_id: string; ip_address: string | null }[])
    .map((e) => [e.action, e.resource_id, e.ip_address]).reverse();
}

// Seed 004: an audit event has an ip_address; the Partner API's events had none.
describe("the Partner API's audit events record the caller's address", () => {
  it('a catalog sync (the address of the accepted request) and a PATCH (its own)', async () => {
    const a = await createPimActor(ctx);
    const sync = await send(a, 'POST', 'catalog/sync', { products: [{ externalId: 'lamp', name: 'Lamp', sku: 'L-1', price: 10 }] }, '203.0.113.7');
    const { batchId } = sync.json().data;
    await waitForBatch(ctx, batchId);
    const [{ id }] = await ctx.sql`select id from products where store_id = ${a.storeId} and sku = 'L-1'`;
    const patch = await send(a, 'PATCH', `products/${id}`, { name: 'Desk lamp' }, '198.51.100.9');
    expect(patch.statusCode).toBe(200);
    expect(await auditAddresses(a)).toEqual([
      ['products.created', batchId, '203.0.113.7'],
      ['product.updated', id, '198.51.100.9'],
    ]);
  });

  it('every other write: bulk updates, products with variants, prices, stock, a variant-set PATCH, deletions', async () => {
    const a = await createPimActor(ctx, { warehouses: 1 });
    const [p] = await ctx.sql`insert into products (store_id, external_id, sku, name, price) values (${a.storeId}, 'p', 'P-1', 'P', 10) returning id`;
    await sendBatch(a, 'POST', 'products/bulk', { products: [{ id: p.id, externalId: 'p', sku: 'P-1', name: 'P2', price: 10 }] }, '192.0.2.1');
    await sendBatch(a, 'POST', 'catalog/with-variants/sync', { products: [{ externalId: 'tee', name: 'Tee', variants: { items: [{ sku: 'TEE-R', price: 5 }] } }] }, '192.0.2.2');
    const [tee] = await ctx.sql`select id from products where store_id = ${a.storeId} and external_id = 'tee'`;
    await sendBatch(a, 'PATCH', 'products/prices', { items: [{ sku: 'P-1', price: 11 }] }, '192.0.2.3');
    await sendBatch(a, 'PATCH', 'inventory', { items: [{ sku: 'P-1', stock: 4 }] }, '192.0.2.4');
    const stockBatch = (await ctx.sql`select id from batches where store_id = ${a.storeId} and kind = 'inventory'`)[0].id;
    const variantSet = await send(a, 'PATCH', `products/${tee.id}`, { variants: { items: [{ sku: 'TEE-R', price: 6 }] } }, '192.0.2.5');
    expect(variantSet.statusCode).toBe(200);
    await sendBatch(a, 'POST', 'products/deletions', { ids: [p.id] }, '2001:db8::6');
    expect(await auditAddresses(a)).toEqual([
      ['product.updated', p.id, '192.0.2.1'],
      ['product.created', tee.id, '192.0.2.2'],
      ['product.updated', p.id, '192.0.2.3'],
      ['stock.updated', stockBatch, '192.0.2.4'],
      ['product.updated', tee.id, '192.0.2.5'],
      ['product.deleted', p.id, '2001:db8::6'],
    ]);
  });

});
