import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { createPimActor, runJob } from '../helpers/pim.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';

// What a catalog team changes through PIM bulk jobs, the store's partner hears of as of its own
// writes: product.created / updated / deleted (they sent none: a product renamed or deleted in PIM
// left the partner's ERP copy stale, QA). An update that changes nothing says nothing.
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

describe('PIM bulk jobs', () => {
  it('send product.created, product.updated and product.deleted to the store\'s partner; an update changing nothing sends no event and no audit event', async () => {
    const actor = await createPimActor(ctx);
    const [{ partner_id: partnerId }] = await ctx.sql`select partner_id from stores where id = ${actor.storeId}`;
    // Port 9 refuses its deliveries: the events are read from the outbox.
    await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, partnerId,
      { url: 'http://127.0.0.1:9/hooks', eventTypes: ['product.created', 'product.updated', 'product.deleted'] });
    const events = async () => (await ctx.sql`select type, payload from outbox_events where partner_id = ${partnerId} order by created_at, id`)
      .map((e) => [e.type, e.payload]);

    const imported = await runJob(ctx, actor, 'BULK_IMPORT', [{ title: 'Lamp', sku: 'PE-1', external_id: 'pe-1' }, { title: 'Desk', sku: 'PE-2' }]);
    expect(imported).toMatchObject({ status: 'COMPLETED', processed_items: 2 });
    const ids = Object.fromEntries((await ctx.sql`select sku, id from products where store_id = ${actor.storeId}`).map((p) => [p.sku, p.id]));
    expect(await events()).toEqual([
      ['product.created', { id: ids['PE-1'], externalId: 'pe-1', sku: 'PE-1', bulkJobId: imported.id }],
      // An item without an external_id gets one (README): pim:<job>:<index>.
      ['product.created', { id: ids['PE-2'], externalId: `pim:${imported.id}:1`, sku: 'PE-2', bulkJobId: imported.id }],
    ]);

    const updated = await runJob(ctx, actor, 'BULK_UPDATE', [{ id: ids['PE-1'], title: 'Floor lamp' }, { id: ids['PE-2'], title: 'Desk' }]);
    expect(updated).toMatchObject({ status: 'COMPLETED', processed_items: 2 });
    const deleted = await runJob(ctx, actor, 'BULK_DELETE', [ids['PE-2']]);
    expect((await events()).slice(2)).toEqual([
      ['product.updated', { id: ids['PE-1'], externalId: 'pe-1', sku: 'PE-1', bulkJobId: updated.id, updatedFields: ['name'] }],
      ['product.deleted', { id: ids['PE-2'], externalId: `pim:${imported.id}:1`, sku: 'PE-2', bulkJobId: deleted.id }],
    ]);
    const audited = await ctx.sql`select action, resource_id from audit_events where store_id = ${actor.storeId} and action = 'product.updated'`;
    expect(audited.map((a) => a.resource_id)).toEqual([ids['PE-1']]);
  });
});
