import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { createWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { deliverWebhook } from '../../src/webhooks/deliver.js';

// As deployed with an external database: private targets refused (the default there).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' } }); });
afterAll(async () => { await ctx.close(); });

const ENDPOINTS = '/api/v1/partner/webhooks/endpoints';

describe('webhook URLs on private addresses (WEBHOOK_ALLOW_PRIVATE_URLS off)', () => {
  it.each([
    ['http://127.0.0.1:9/hooks', '127.0.0.1 is not a public address (loopback)'],
    ['http://localhost:3000/hooks', 'localhost names this machine'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is not a public address (linkLocal)'],
    ['http://[::1]/hooks', '::1 is not a public address (loopback)'],
    ['https://10.0.0.5/hooks', '10.0.0.5 is not a public address (private)'],
  ])('refuses to register %s (WHK_003 with the reason), registering nothing', async (url, reason) => {
    const store = await createTestStore(ctx);
    const res = await signedInject(ctx, store, { method: 'POST', url: ENDPOINTS, partnerOnly: true, body: { url } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'WHK_003', details: { context: { url, reason: `${reason}: webhooks are delivered to public addresses only` } } });
    expect(await ctx.sql`select 1 from webhook_endpoints where partner_id = ${store.partnerId}`).toHaveLength(0);
  });

  it('registers a public URL, and refuses to change it to a private one', async () => {
    const store = await createTestStore(ctx);
    const created = await signedInject(ctx, store, { method: 'POST', url: ENDPOINTS, partnerOnly: true, body: { url: 'https://hooks.example.com/omni' } });
    expect(created.statusCode).toBe(201);
    const id = created.json().data.id;
    const res = await signedInject(ctx, store, { method: 'PATCH', url: `${ENDPOINTS}/${id}`, partnerOnly: true, body: { url: 'http://192.168.0.10/hooks' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('WHK_003');
    const [row] = await ctx.sql`select url from webhook_endpoints where partner_id = ${store.partnerId} and id = ${id}`;
    expect(row.url).toBe('https://hooks.example.com/omni');
  });

  it('does not deliver to an endpoint on a private address (registered by an operator, or before the setting), and says why', async () => {
    let hits = 0;
    const server = createServer((req, res) => { hits += 1; req.resume(); res.statusCode = 204; res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const store = await createTestStore(ctx);
      const endpoint = await createWebhookEndpoint(ctx.sql, ctx.deps.encryptionKey, store.partnerId,
        { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` });
      await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: store.partnerId, storeId: store.storeId, type: 'product.updated', payload: { id: 'p-1' } }]));
      const [delivery] = await ctx.sql`select id from webhook_deliveries where partner_id = ${store.partnerId} and endpoint_id = ${endpoint.id}`;

      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, ctx.deps.config, { partnerId: store.partnerId, deliveryId: delivery.id });
      const [refused] = await ctx.sql`select status, attempts, last_error, last_status_code from webhook_deliveries where id = ${delivery.id}`;
      expect(refused).toMatchObject({ status: 'RETRYING', attempts: 1, last_status_code: null });
      expect(refused.last_error).toContain('refused: 127.0.0.1 is not a public address (loopback) (set WEBHOOK_ALLOW_PRIVATE_URLS to deliver to private addresses)');
      expect(hits).toBe(0);

      // The same delivery with private targets allowed (its retry, in its failing endpoint's queue) reaches the receiver: the refusal was the setting's.
      await deliverWebhook(ctx.sql, ctx.deps.encryptionKey, { ...ctx.deps.config, WEBHOOK_ALLOW_PRIVATE_URLS: true },
        { partnerId: store.partnerId, deliveryId: delivery.id, isolated: true });
      const [delivered] = await ctx.sql`select status, attempts from webhook_deliveries where id = ${delivery.id}`;
      expect(delivered).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
      expect(hits).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
