import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { listDeliveries } from '../../src/webhooks/deliveries.js';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { readsWhile } from '../helpers/index-reads.js';

/**
 * A page of webhook deliveries builds the attempt log of its own deliveries alone: built in the
 * paged select, it was built for every delivery the offset skipped, a page past the end included
 * (317,000 deliveries: 542 ms of the database for an empty page; QA).
 */
describe('a page of webhook deliveries', () => {
  let ctx: TestContext;
  beforeAll(async () => { ctx = await createTestApp(); });
  afterAll(async () => { await ctx?.close(); });

  it('reads the attempts of its deliveries only, not of those its offset skips', async () => {
    const store = await createTestStore(ctx, 0);
    // The events before the endpoint: no fan-out makes their deliveries (this test does, with their attempts).
    const events = ctx.sql`
      with events as (
        insert into outbox_events (partner_id, store_id, type, payload, created_at)
        select ${store.partnerId}, ${store.storeId}, 'product.updated', jsonb_build_object('n', n), now() - make_interval(secs => n)
        from generate_series(1, 300) as n returning id)
      select id from events`;
    const made = await events;
    const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId, { url: 'http://127.0.0.1:9/hook' });
    await ctx.sql`
      with events as (select id, created_at from outbox_events where id = any(${made.map((e) => e.id)}::uuid[])),
      deliveries as (
        insert into webhook_deliveries (partner_id, endpoint_id, event_id, event_type, status, attempts, created_at)
        select ${store.partnerId}, ${endpoint.id}, e.id, 'product.updated', 'EXHAUSTED', 2, e.created_at from events e returning id)
      insert into webhook_attempts (partner_id, delivery_id, attempt, status_code, latency_ms, attempted_at)
      select ${store.partnerId}, d.id, a, 500, 1, now() from deliveries d, generate_series(1, 2) as a`;
    await ctx.sql`analyze webhook_deliveries, webhook_attempts`;
    const page = (n: number) => readsWhile(ctx.sql, 'webhook_attempts', (tx) => listDeliveries(tx, store.partnerId, { page: n, limit: 20 }));

    const tenth = await page(10);
    expect(tenth.result.items.map((d) => [d.attempts, d.attemptLog.map((a: any) => a.attempt)])).toEqual(Array(20).fill([2, [1, 2]]));
    const all = (await listDeliveries(ctx.sql, store.partnerId, { page: 1, limit: 300 })).items.map((d) => d.id);
    expect(tenth.result.items.map((d) => d.id)).toEqual(all.slice(180, 200));
    // Two attempts a delivery built: the page's 20 and the one more that tells a next page (measured
    // before: 402, its offset's 180 deliveries too).
    expect(tenth.read).toBe(42);
    const past = await page(16);
    expect([past.result.items.length, past.result.total, past.read]).toEqual([0, 300, 0]);
  });
});
