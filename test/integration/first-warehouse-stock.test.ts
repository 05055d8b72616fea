import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
import { blocksAnother, until } from '../helpers/lock-waits.js';
import { addWarehouseToStore } from '../../src/stores/stores.js';
import '../../src/catalog/product-batches.js'; // registers the processors processBatch runs
import '../../src/inventory/stock-batches.js';

// Product-level stock accepted while the store had no warehouse, applied after its first one was
// added, goes to every warehouse, as a request accepted now would (README: the first warehouse
// takes over the stock). products/bulk and catalog sync rows wrote it to the product's total
// alone: stock 25, its warehouse 10, and every later change kept the difference (QA, High).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { accept, run } = batchOrderHelpers(() => ctx);
const { patch, simpleProduct, stockRows, productRow } = productPatchHelpers(() => ctx);

describe('stock accepted before a store\'s first warehouse, applied after it', () => {
  it('a products/bulk update and a catalog sync create put it in the warehouse, the product\'s stock their sum', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'FW-1', { stock: 10 });
    const update = await accept(store, 'POST', '/api/v1/partner/stores/products/bulk',
      { products: [{ id, externalId: 'ext-FW-1', name: 'FW 1', sku: 'FW-1', price: 1, stock: 25 }] });
    const create = await accept(store, 'POST', '/api/v1/partner/stores/catalog/sync',
      { products: [{ externalId: 'ext-FW-2', name: 'FW 2', sku: 'FW-2', price: 1, stock: 7 }] });
    const first = await addWarehouseToStore(ctx.sql, store.storeClientId, 'First');
    expect((await stockRows(id)).map((r) => [r.client_id, r.stock])).toEqual([[first.clientId, 10]]);
    expect((await run(store, update)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect((await run(store, create)).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect((await stockRows(id)).map((r) => [r.client_id, r.stock])).toEqual([[first.clientId, 25]]);
    expect((await productRow(id)).stock).toBe(25);
    const [created] = await ctx.sql`select id from products where store_id = ${store.storeId} and sku = 'FW-2'`;
    expect((await stockRows(created.id)).map((r) => [r.client_id, r.stock])).toEqual([[first.clientId, 7]]);
    expect((await productRow(created.id)).stock).toBe(7);
    // A later stock update then sets the total exactly.
    const later = await accept(store, 'PATCH', '/api/v1/partner/stores/inventory', { items: [{ sku: 'FW-1', stock: 3 }, { sku: 'FW-2', stock: 4 }] });
    await run(store, later);
    const read = async (pid: string) => (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/products/${pid}` })).json().data;
    expect(await read(id)).toMatchObject({ stock: 3, warehouses: [{ clientId: first.clientId, stock: 3 }] });
    expect(await read(created.id)).toMatchObject({ stock: 4, warehouses: [{ clientId: first.clientId, stock: 4 }] });
  });

  it('stock that every warehouse taking it would sum beyond an integer fails its row, not written to the product alone (review)', async () => {
    const store = await createTestStore(ctx, 0);
    const create = await accept(store, 'POST', '/api/v1/partner/stores/catalog/sync',
      { products: [{ externalId: 'ext-FW-9', name: 'FW 9', sku: 'FW-9', price: 1, stock: 1_500_000_000 }, { externalId: 'ext-FW-10', name: 'FW 10', sku: 'FW-10', price: 1, stock: 2 }] });
    await addWarehouseToStore(ctx.sql, store.storeClientId, 'First');
    await addWarehouseToStore(ctx.sql, store.storeClientId, 'Second');
    const outcomes = await run(store, create);
    expect(outcomes.map((o) => [o.status, (o as { code?: string }).code ?? null])).toEqual([['FAILED', 'VAL_001'], ['SUCCEEDED', null]]);
    expect(await ctx.sql`select sku from products where store_id = ${store.storeId}`).toEqual([{ sku: 'FW-10' }]);
  });

  it('a stock a later-accepted request wrote to the warehouse stays', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'FW-3', { stock: 10 });
    const earlier = await accept(store, 'POST', '/api/v1/partner/stores/products/bulk',
      { products: [{ id, externalId: 'ext-FW-3', name: 'FW 3', sku: 'FW-3', price: 1, stock: 25 }] });
    const first = await addWarehouseToStore(ctx.sql, store.storeClientId, 'First');
    const later = await accept(store, 'PATCH', '/api/v1/partner/stores/inventory', { items: [{ sku: 'FW-3', warehouses: [{ clientId: first.clientId, stock: 5 }] }] });
    await run(store, later);
    await run(store, earlier);
    expect((await stockRows(id)).map((r) => [r.client_id, r.stock])).toEqual([[first.clientId, 5]]);
    expect((await productRow(id)).stock).toBe(5);
  });

  it('a PATCH /products/{id} that read the store without one, while the first is being added', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'FW-4', { stock: 64 });
    const holder = await ctx.sql.reserve();
    try {
      await holder`begin`;
      const [first] = await holder`select client_id from add_warehouse(${store.storeId}::uuid, 'wh_first_fw4', 'First')`;
      const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid`;
      let done = false;
      const patching = patch(store, id, { stock: 70 }).finally(() => { done = true; });
      // It read the store without a warehouse; now it waits for the adding transaction (or, as
      // before, wrote the total alone).
      await until('the PATCH waiting for the warehouse or done', async () => done || blocksAnother(ctx.sql, pid));
      await holder`commit`;
      expect((await patching).statusCode).toBe(200);
      expect((await stockRows(id)).map((r) => [r.client_id, r.stock])).toEqual([[first.client_id, 70]]);
      expect((await productRow(id)).stock).toBe(70);
    } finally {
      holder.release();
    }
  });
});
