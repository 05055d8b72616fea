import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { pollUntil, startTestWorker, waitForBatch } from '../helpers/worker.js';
import { register } from '../helpers/webhooks.js';

// One job slot of each kind: a delivery waiting on a receiver that does not answer must not hold
// the slot another partner's batch needs.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp({ env: { WORKER_CONCURRENCY: '1', WEBHOOK_CONCURRENCY: '1', WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
});
afterAll(async () => { await ctx.close(); });

describe('a partner whose webhook receiver hangs', () => {
  it('delays no other partner\'s batch: deliveries have job slots of their own', { timeout: 90000 }, async () => {
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => { req.resume(); held.push(res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const worker = await startTestWorker(ctx);
    try {
      const slow = await createTestStore(ctx, 1);
      await register(ctx, slow, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, ['stock.update.requested']);
      const sync = await signedInject(ctx, slow, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products: [{ externalId: 'h-1', sku: 'H-1', name: 'Hang', price: 1, stock: 1 }] } });
      await waitForBatch(ctx, sync.json().data.batchId);
      const stock = await signedInject(ctx, slow, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'H-1', stock: 2 }, { sku: 'H-1', stock: 3 }] } });
      expect(stock.json().data.summary).toEqual({ total: 2, failed: 0, pending: 2 });
      await pollUntil('a delivery waiting on the receiver', async () => held.length >= 1);

      const other = await createTestStore(ctx, 1);
      const res = await signedInject(ctx, other, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products: [{ externalId: 'o-1', sku: 'O-1', name: 'Other', price: 1, stock: 1 }] } });
      const batch = await waitForBatch(ctx, res.json().data.batchId, 10000).catch((err: Error) => { throw new Error(err.message.slice(0, 300)); });
      expect(batch.status).toBe('COMPLETED');
      // The receiver still holds the first delivery: the batch did not wait for it to time out.
      expect(held).toHaveLength(1);
      const [inFlight] = await ctx.sql`select count(*)::int as n from webhook_deliveries where partner_id = ${slow.partnerId} and status = 'PENDING'`;
      expect(inFlight.n).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
      await worker.stop();
    }
  });
});
