import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, subscribeToAllEvents, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { batchOrderHelpers } from '../helpers/batch-order.js';
// The processors processBatch runs (the worker's task list loads them).
import '../../src/catalog/product-batches.js';
import '../../src/catalog/variant-product-batches.js';
import '../../src/inventory/stock-batches.js';

// A stock is the last accepted request's, whatever job runs last: PATCH /inventory rows, the stock
// of products/bulk and with-variants bulk rows, and a PATCH /products/{id} all carry their
// acceptance sequence. Before, only PATCH /inventory did: a bulk row applied after a later stock
// update overwrote it, and a stock update applied after a later bulk row or PATCH overwrote theirs.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const BULK = '/api/v1/partner/stores/products/bulk';
const VARIANTS_BULK = '/api/v1/partner/stores/products/with-variants/bulk';
const INVENTORY = '/api/v1/partner/stores/inventory';

const { accept, run } = batchOrderHelpers(() => ctx);
const { patch, simpleProduct: insertProduct } = productPatchHelpers(() => ctx);
/** A simple product, as a products/bulk row that updates it names it. */
async function simpleProduct(store: TestStore, sku: string) {
  return { id: await insertProduct(store, sku), externalId: `ext-${sku}`, sku, name: 'Product', price: 100 };
}
const warehouseStock = async (productId: string) => (await ctx.sql`
  select w.client_id, ws.stock from warehouse_stock ws join warehouses w on w.id = ws.warehouse_id
  where ws.product_id = ${productId} order by 1`).map((r) => r.stock);
const totalStock = async (productId: string) => (await ctx.sql`select stock from products_with_stock where id = ${productId}`)[0].stock;

describe('stock written by the product endpoints keeps acceptance order with PATCH /inventory', () => {
  it('a products/bulk row applied after a later-accepted stock update leaves that update (2 warehouses, and none)', async () => {
    for (const warehouses of [2, 0]) {
      const store = await createTestStore(ctx, warehouses);
      const p = await simpleProduct(store, 'S-1');
      const bulk = await accept(store, 'POST', BULK, { products: [{ ...p, stock: 100 }] });
      const stock = await accept(store, 'PATCH', INVENTORY, { items: [{ sku: 'S-1', stock: 7 }] });
      await run(store, stock);
      await run(store, bulk);
      expect(await warehouseStock(p.id)).toEqual(warehouses === 2 ? [7, 7] : []);
      expect(await totalStock(p.id)).toBe(warehouses === 2 ? 14 : 7);
    }
  });

  it('a stock update applied after a later-accepted products/bulk row leaves that row\'s stock', async () => {
    for (const warehouses of [2, 0]) {
      const store = await createTestStore(ctx, warehouses);
      const p = await simpleProduct(store, 'S-2');
      const stock = await accept(store, 'PATCH', INVENTORY, { items: [{ sku: 'S-2', stock: 11 }] });
      const bulk = await accept(store, 'POST', BULK, { products: [{ ...p, stock: 501 }] });
      await run(store, bulk);
      await run(store, stock);
      expect(await totalStock(p.id)).toBe(warehouses === 2 ? 1002 : 501);
    }
  });

  it('a with-variants bulk row applied after a later-accepted stock update of its variant leaves that update', async () => {
    const store = await createTestStore(ctx, 1);
    const [{ clientId }] = store.warehouses;
    const item = (stock: number) => ({ sku: 'VX-1', options: { Size: 'M' }, price: 10, warehouses: [{ clientId, stock }] });
    const created = await accept(store, 'POST', VARIANTS_BULK, { products: [{ externalId: 'vx', name: 'VX', variants: { items: [item(1)] } }] });
    await run(store, created);
    const [parent] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'vx'`;
    const bulk = await accept(store, 'POST', VARIANTS_BULK, { products: [{ id: parent.id, externalId: 'vx', name: 'VX', variants: { items: [item(100)] } }] });
    const stock = await accept(store, 'PATCH', INVENTORY, { items: [{ sku: 'VX-1', warehouses: [{ clientId, stock: 7 }] }] });
    await run(store, stock);
    await run(store, bulk);
    const [variant] = await ctx.sql`select stock from product_variants where store_id = ${store.storeId} and sku = 'VX-1'`;
    expect([variant.stock, await totalStock(parent.id)]).toEqual([7, 7]);
  });

  it('a stock update accepted before a PATCH /products/{id} and applied after it leaves the PATCH\'s stock', async () => {
    // No warehouses: the product's own stock.
    const bare = await createTestStore(ctx, 0);
    const p = await simpleProduct(bare, 'S-3');
    const early = await accept(bare, 'PATCH', INVENTORY, { items: [{ sku: 'S-3', stock: 10 }] });
    expect((await patch(bare, p.id, { stock: 3 })).statusCode).toBe(200);
    await run(bare, early);
    expect(await totalStock(p.id)).toBe(3);
    // Warehouses: a product's rows, and a variant's (the PATCH's variant set).
    const store = await createTestStore(ctx, 2);
    const [w1] = store.warehouses.map((w) => w.clientId).sort();
    const q = await simpleProduct(store, 'S-4');
    const before = await accept(store, 'PATCH', INVENTORY, { items: [{ sku: 'S-4', warehouses: [{ clientId: w1, stock: 10 }] }] });
    expect((await patch(store, q.id, { warehouses: [{ clientId: w1, stock: 3 }] })).statusCode).toBe(200);
    await run(store, before);
    expect(await warehouseStock(q.id)).toEqual([3]);
    const item = (stock: number) => ({ sku: 'VY-1', options: { Size: 'M' }, price: 10, warehouses: [{ clientId: w1, stock }] });
    const r = await simpleProduct(store, 'S-5');
    expect((await patch(store, r.id, { variants: { items: [item(1)] } })).statusCode).toBe(200);
    const beforeVariant = await accept(store, 'PATCH', INVENTORY, { items: [{ sku: 'VY-1', warehouses: [{ clientId: w1, stock: 10 }] }] });
    const res = await patch(store, r.id, { variants: { items: [item(3)] } });
    expect(res.json().data.updatedFields, res.body).toContain('variants');
    await run(store, beforeVariant);
    const [variant] = await ctx.sql`select stock from product_variants where store_id = ${store.storeId} and sku = 'VY-1'`;
    expect(variant.stock).toBe(3);
  });

  it('names stock among a products/bulk row\'s updatedFields when only its warehouse rows changed', async () => {
    const store = await createTestStore(ctx, 2);
    await subscribeToAllEvents(ctx, store);
    const p = await simpleProduct(store, 'S-6');
    await run(store, await accept(store, 'POST', BULK, { products: [{ ...p, stock: 50 }] }));
    // The same stock again: nothing changed, and nothing is said (no event, no audit event).
    await run(store, await accept(store, 'POST', BULK, { products: [{ ...p, stock: 50 }] }));
    const events = await ctx.sql`select payload from outbox_events where store_id = ${store.storeId} and type = 'product.updated' order by created_at, id`;
    expect(events.map((e) => e.payload.updatedFields)).toEqual([['stock']]);
    const audits = await ctx.sql`select changes from audit_events where resource_id = ${p.id} and action = 'product.updated' order by created_at, id`;
    expect(audits.map((a) => a.changes.stock ?? null)).toEqual([{ before: 0, after: 100 }]);
  });
});
