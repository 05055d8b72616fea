import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import { blocksAnother, until } from '../helpers/lock-waits.js';
import { processBatch } from '../../src/batches/process-batch.js';
import '../../src/catalog/product-batches.js'; // registers the products.bulk processor processBatch runs
import '../../src/inventory/stock-batches.js';

// A batch reads PROCESSING, with its startedAt, while a worker applies it (QA: set only in the
// chunk's own transaction, a one-chunk batch went from PENDING straight to COMPLETED, and
// GET /batches?status=PROCESSING never listed one).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { accept } = batchOrderHelpers(() => ctx);
const { simpleProduct } = productPatchHelpers(() => ctx);

describe('a batch being applied', () => {
  it.each([
    ['products/bulk', 'POST', '/api/v1/partner/stores/products/bulk', (id: string) => ({ products: [{ id, externalId: 'ext-PS-1', sku: 'PS-1', name: 'Renamed', price: 5 }] }), 'products'],
    // A store without warehouses: the product's stock is its product_stock row (0075).
    ['inventory', 'PATCH', '/api/v1/partner/stores/inventory', (id: string) => ({ items: [{ id, stock: 7 }] }), 'product_stock'],
  ] as const)('%s: reads PROCESSING with its startedAt until it completes', async (_kind, method, url, body, table) => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'PS-1');
    const batchId = await accept(store, method, url, body(id));
    const read = async () => (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` })).json().data;
    expect(await read()).toMatchObject({ status: 'PENDING', startedAt: null });
    const holder = await ctx.sql.reserve();
    let applying: Promise<void> | undefined;
    try {
      // The product's row locked: the chunk waits for it, its transaction open.
      await holder`begin`;
      await holder.unsafe(table === 'products' ? 'select 1 from products where id = $1 for update' : 'select 1 from product_stock where product_id = $1 for update', [id]);
      const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid`;
      applying = processBatch(ctx.sql, store.storeId, batchId, 100);
      await until('the chunk waiting for the product row', () => blocksAnother(ctx.sql, pid));
      const during = await read();
      expect(during).toMatchObject({ status: 'PROCESSING', startedAt: expect.any(String), completedAt: null });
      const listed = (await signedInject(ctx, store, { method: 'GET', url: '/api/v1/partner/stores/batches?status=PROCESSING' })).json().data;
      expect(JSON.stringify(listed)).toContain(batchId);
      await holder`commit`;
      await applying;
      const after = await read();
      expect(after).toMatchObject({ status: 'COMPLETED', startedAt: during.startedAt });
      expect(Date.parse(after.completedAt)).toBeGreaterThanOrEqual(Date.parse(during.startedAt));
    } finally {
      holder.release();
      await applying?.catch(() => {});
    }
  });
});
