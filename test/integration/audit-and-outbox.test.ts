import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareProduct } from '../helpers/bare-rows.js';
import { createTestApp, createTestStore, subscribeToAllEvents, type TestContext } from '../helpers/test-app.js';
import { recordAudit } from '../../src/audit/audit-log.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { createWebhookEndpoint, disableWebhookEndpoint } from '../../src/webhooks/endpoints.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());
const product = (storeId: string, stock = 0) => bareProduct(ctx.sql, storeId, stock);

describe('audit log and outbox', () => {
  it('appends events set-based and refuses UPDATE, DELETE and TRUNCATE', async () => {
    const s = await createTestStore(ctx);
    await recordAudit(ctx.sql, [
      { storeId: s.storeId, actorType: 'partner', actor: s.partnerClientId, action: 'product.updated', resourceType: 'product', resourceId: 'p1', changes: { name: { before: 'a', after: 'b' } }, requestId: 'r1' },
      { storeId: s.storeId, actorType: 'partner', actor: s.partnerClientId, action: 'product.created', resourceType: 'product', resourceId: 'p2' },
    ]);
    const rows = await ctx.sql`select action, changes from audit_events where store_id = ${s.storeId} order by id`;
    expect(rows.map((r) => r.action)).toEqual(['product.updated', 'product.created']);
    expect(rows[0].changes).toEqual({ name: { before: 'a', after: 'b' } });
    await expect(ctx.sql`update audit_events set actor = 'x' where store_id = ${s.storeId}`).rejects.toThrow(/append-only/);
    await expect(ctx.sql`delete from audit_events where store_id = ${s.storeId}`).rejects.toThrow(/append-only/);
    await expect(ctx.sql`truncate audit_events`).rejects.toThrow(/append-only/);
    expect((await ctx.sql`select count(*)::int as n from audit_events where store_id = ${s.storeId}`)[0].n).toBe(2);
  });

  it('dates an event when it is written, not when its transaction began (0137: a long job dated all its events at its start)', async () => {
    const s = await createTestStore(ctx);
    const event = (resourceId: string) => ({ storeId: s.storeId, actorType: 'partner' as const, actor: s.partnerClientId, action: 'product.updated', resourceType: 'product', resourceId });
    await ctx.sql.begin(async (tx) => {
      await recordAudit(tx, [event('first')]);
      await tx`select pg_sleep(0.2)`;
      await recordAudit(tx, [event('second')]);
    });
    const [first, second] = await ctx.sql`select created_at from audit_events where store_id = ${s.storeId} order by id`;
    expect(second.created_at.getTime() - first.created_at.getTime()).toBeGreaterThanOrEqual(190);
  });

  it('emits outbox events only when the transaction commits', async () => {
    const s = await createTestStore(ctx);
    await subscribeToAllEvents(ctx, s);
    await ctx.sql.begin(async (tx) => {
      await emitEvents(tx, [{ partnerId: s.partnerId, storeId: s.storeId, type: 'product.updated', payload: { id: 'x' } }]);
    });
    await ctx.sql.begin(async (tx) => {
      await emitEvents(tx, [{ partnerId: s.partnerId, storeId: s.storeId, type: 'product.created', payload: {} }]);
      throw new Error('rollback');
    }).catch(() => {});
    const rows = await ctx.sql`select type, payload from outbox_events where store_id = ${s.storeId}`;
    expect(rows).toEqual([{ type: 'product.updated', payload: { id: 'x' } }]);
  });

  it('builds deferred events only when an endpoint subscribes to one of their types, and writes only those', async () => {
    const s = await createTestStore(ctx);
    let built = 0;
    const emit = () => ctx.sql.begin((tx) => emitEvents(tx, {
      partnerId: s.partnerId, types: ['product.created', 'product.updated'],
      build: () => { built++; return (['product.created', 'product.updated'] as const).map((type) => ({ partnerId: s.partnerId, storeId: s.storeId, type, payload: {} })); },
    }));
    expect(await emit()).toEqual([]);
    expect(built).toBe(0);
    await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, s.partnerId, { url: 'http://127.0.0.1:9/x', eventTypes: ['stock.update.requested'] });
    expect(await emit()).toEqual([]);
    expect(built).toBe(0);
    await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, s.partnerId, { url: 'http://127.0.0.1:9/y', eventTypes: ['product.updated'] });
    expect(await emit()).toHaveLength(1);
    expect(built).toBe(1);
    expect((await ctx.sql`select type from outbox_events where store_id = ${s.storeId}`).map((r) => r.type)).toEqual(['product.updated']);
  });

  it('writes only the events an enabled endpoint subscribes to, through the bulk path and PATCH alike', async () => {
    const s = await createTestStore(ctx);
    const p = await product(s.storeId);
    const emit = (type: string) => ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: s.partnerId, storeId: s.storeId, type, payload: { id: p } }]));
    const patch = (name: string) => ctx.sql`select apply_product_patch(${s.storeId}::uuid, ${p}::uuid, (select version from products where id = ${p}),
      ${ctx.sql.json({ name })}::jsonb, null, null, ${ctx.sql.json({ actor_type: 'partner', actor: 'test', action: 'product.updated', changes: {} })}::jsonb,
      ${ctx.sql.json({ partner_id: s.partnerId, type: 'product.updated', payload: { id: p } })}::jsonb, false, null)`;
    const types = async () => (await ctx.sql<{ type: string }[]>`select type from outbox_events where store_id = ${s.storeId} order by created_at, type`).map((r) => r.type);

    expect(await emit('product.created')).toEqual([]);
    await patch('A');
    expect(await types()).toEqual([]);

    const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, s.partnerId, { url: 'http://127.0.0.1:9/x', eventTypes: ['product.updated'] });
    expect(await emit('product.created')).toEqual([]);
    expect(await emit('product.updated')).toHaveLength(1);
    await patch('B');
    expect(await types()).toEqual(['product.updated', 'product.updated']);
    const [{ deliveries }] = await ctx.sql<{ deliveries: number }[]>`select count(*)::int as deliveries from webhook_deliveries where endpoint_id = ${endpoint.id}`;
    expect(deliveries).toBe(2);

    await disableWebhookEndpoint(ctx.sql, s.partnerId, endpoint.id);
    await emit('product.updated');
    await patch('C');
    expect(await types()).toHaveLength(2);
  });

  it('events and deliveries reference their partner, event and endpoint, and keep them (0078)', async () => {
    const s = await createTestStore(ctx); const other = await createTestStore(ctx);
    const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, s.partnerId, { url: 'http://127.0.0.1:9/x' });
    const theirs = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, other.partnerId, { url: 'http://127.0.0.1:9/y' });
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(ctx.sql`insert into outbox_events (partner_id, type, payload) values (${missing}, 'product.updated', '{}')`).rejects.toMatchObject({ code: '23503' });
    // One bad row refuses the whole statement, its fan-out included.
    await expect(ctx.sql`insert into outbox_events (partner_id, type, payload)
      select x, 'product.updated', '{}' from unnest(${[s.partnerId, missing]}::uuid[]) as x`).rejects.toMatchObject({ code: '23503' });
    expect(await ctx.sql`select id from outbox_events where partner_id = ${s.partnerId}`).toEqual([]);

    const [event] = await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: s.partnerId, storeId: s.storeId, type: 'product.updated', payload: {} }]));
    const [delivery] = await ctx.sql`select id, endpoint_id from webhook_deliveries where event_id = ${event}`;
    expect(delivery.endpoint_id).toBe(endpoint.id);
    const deliver = (partnerId: string, endpointId: string) => ctx.sql`
      insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type) values (${partnerId}, ${endpointId}, ${event}, 'product.updated')`;
    await expect(deliver(other.partnerId, theirs.id)).rejects.toMatchObject({ code: '23503' }); // an event of another partner
    await expect(deliver(s.partnerId, theirs.id)).rejects.toMatchObject({ code: '23503' }); // an endpoint of another partner
    await expect(ctx.sql`update webhook_deliveries set endpoint_id = ${theirs.id} where id = ${delivery.id}`).rejects.toMatchObject({ code: '23001' });
    await expect(ctx.sql`delete from webhook_endpoints where id = ${endpoint.id}`).rejects.toThrow(/still referenced/);
    await expect(ctx.sql`delete from outbox_events where id = ${event}`).rejects.toThrow(/still referenced/);
    await expect(ctx.sql`delete from partners where id = ${s.partnerId}`).rejects.toMatchObject({ code: '23503' });
    await ctx.sql`delete from webhook_endpoints where id = ${theirs.id}`; // nothing delivered to it
  });
});
