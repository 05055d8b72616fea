import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { register } from '../helpers/webhooks.js';
import { emitEvents } from '../../src/webhooks/outbox.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct } = productPatchHelpers(() => ctx);

/**
 * A uuid's case means nothing: a path parameter sent in upper case names the same resource, and
 * what follows from it (the answer, webhook payloads, audit rows, key checks) names it as every
 * other route does, in lower case (QA: the caller's spelling went on as text).
 */
describe('uuid path parameters in upper case', () => {
  it('PATCH answers, tells and audits the product by its id in lower case, simple or with a variant set', async () => {
    const store = await createTestStore(ctx, 0);
    await register(ctx, store, 'http://127.0.0.1:9/hook', ['product.updated']);
    const simple = await simpleProduct(store, 'UP-1');
    const res = await patch(store, simple.toUpperCase(), { name: 'Renamed' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.id).toBe(simple);
    const withSet = await simpleProduct(store, 'UP-2');
    const setRes = await patch(store, withSet.toUpperCase(), { name: 'Sized', variants: { items: [{ sku: 'UP-2-S', price: 10, options: { size: 'S' } }] } });
    expect(setRes.statusCode).toBe(200);
    expect(setRes.json().data.id).toBe(withSet);
    const events = await ctx.sql`select payload->>'id' as id from outbox_events where store_id = ${store.storeId} and type = 'product.updated' order by created_at`;
    expect(events.map((e) => e.id)).toEqual([simple, withSet]);
    const audited = await ctx.sql`select resource_id from audit_events where store_id = ${store.storeId} and action = 'product.updated' order by created_at`;
    expect(audited.map((a) => a.resource_id)).toEqual([simple, withSet]);
  });

  it('a variant item may take the externalId its product gives up, whatever the case of the product id', async () => {
    const store = await createTestStore(ctx, 0);
    for (const spell of [(id: string) => id, (id: string) => id.toUpperCase()]) {
      const sku = `GIVE-${spell('a')}`;
      const id = await simpleProduct(store, sku);
      const res = await patch(store, spell(id), {
        externalId: `ext-${sku}-new`, variants: { items: [{ sku: `${sku}-1`, externalId: `ext-${sku}`, price: 10, options: { size: 'S' } }] },
      });
      // It was 409 PRD_002 with the id in upper case: the product's own key counted as another's.
      expect([res.statusCode, res.json().error?.code]).toEqual([200, undefined]);
    }
  });

  it('redeliver answers the delivery by its id in lower case', async () => {
    const store = await createTestStore(ctx, 0);
    await register(ctx, store, 'http://127.0.0.1:9/hook', ['product.created']);
    const [eventId] = await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.created', payload: { id: 'x' } }]));
    const [{ id }] = await ctx.sql`select id from webhook_deliveries where event_id = ${eventId}`;
    const res = await signedInject(ctx, store, { method: 'POST', url: `/api/v1/partner/webhooks/deliveries/${id.toUpperCase()}/redeliver`, partnerOnly: true });
    expect(res.statusCode).toBe(202);
    expect(res.json().data.deliveryId).toBe(id);
  });
});
