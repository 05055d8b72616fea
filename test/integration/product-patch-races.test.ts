import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { deadlockedWhile, untilWaitingForLock } from '../helpers/lock-waits.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct, stockRows, productRow } = productPatchHelpers(() => ctx);

const patchWaitingForLock = () => untilWaitingForLock(ctx.sql, 'apply_product_patch');

/**
 * Stock writers (the inventory endpoints) do not move a product's version: a PATCH that read
 * the stock before such a writer committed must still leave the stock it was sent.
 */
describe('PATCH /products/{productId} racing a stock writer', () => {
  it('writes the warehouse stock it was sent, though another writer changed it after the PATCH read it', async () => {
    const store = await createTestStore(ctx, 3);
    const [a] = store.warehouses.map((w) => w.clientId).sort();
    const id = await simpleProduct(store);
    await patch(store, id, { stock: 1 });
    await patch(store, id, { warehouses: [{ clientId: a, stock: 5 }] });
    const writer = await ctx.sql.reserve();
    try {
      // Holds the product while it writes (as a PATCH with a variant set would), then commits.
      await writer`begin`;
      await writer`select from products where id = ${id} for update`;
      await writer`update warehouse_stock ws set stock = 9 from warehouses w
        where w.id = ws.warehouse_id and w.client_id = ${a} and ws.product_id = ${id} and ws.variant_id is null`;
      const racing = patch(store, id, { name: 'After race', warehouses: [{ clientId: a, stock: 5 }] }, { 'if-match': '"3"' });
      await patchWaitingForLock();
      await writer`commit`;
      const res = await racing;
      expect(res.statusCode).toBe(200);
      expect(res.json().data.updatedFields).toEqual(['name', 'warehouses']);
    } finally {
      writer.release();
    }
    expect((await stockRows(id)).map((r) => [r.client_id, r.stock])[0]).toEqual([a, 5]);
    expect(await productRow(id)).toMatchObject({ name: 'After race', stock: 7, version: 4 });
  });

  it("writes the product's stock it was sent on a store without warehouses, as well", async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'P-1', { stock: 5 });
    const writer = await ctx.sql.reserve();
    try {
      await writer`begin`;
      await writer`select from products where id = ${id} for update`;
      await writer`update product_stock set stock = 9 where product_id = ${id}`;
      const racing = patch(store, id, { name: 'After race', stock: 5 });
      await patchWaitingForLock();
      await writer`commit`;
      expect((await racing).json().data.updatedFields).toEqual(['name', 'stock']);
    } finally {
      writer.release();
    }
    expect(await productRow(id)).toMatchObject({ name: 'After race', stock: 5 });
  });
});

/**
 * A stock chunk locks a variant's warehouse rows, then (its triggers) the variant's row, to
 * move its stock; a PATCH with a variant set writes the variant's row, then its warehouse rows.
 */
describe('PATCH /products/{productId} with a variant set racing a stock chunk', () => {
  it('is applied once the chunk commits, not answered 500 when PostgreSQL breaks their deadlock', async () => {
    const store = await createTestStore(ctx, 1);
    const [w] = store.warehouses.map((x) => x.clientId);
    const id = await simpleProduct(store, 'DL-0');
    const first = await patch(store, id, { variants: { items: [{ sku: 'DL-1', price: 10, stock: 1 }] } });
    expect(first.statusCode).toBe(200);
    const [v] = await ctx.sql`select id from product_variants where product_id = ${id}`;
    const writer = await ctx.sql.reserve();
    try {
      // As apply_stock_chunk does: the warehouse row first, then (its trigger) the variant's stock.
      await writer`begin`;
      // PostgreSQL ends whichever side checks for the deadlock first (each after its own
      // deadlock_timeout): the PATCH waits first, but on a loaded machine this side's check
      // could run first and end the test's own transaction. It looks last, so the PATCH is the one ended.
      await writer`set local deadlock_timeout = '10s'`;
      await writer`select from warehouse_stock where variant_id = ${v.id} for no key update`;
      const racing = patch(store, id, { variants: { items: [{ sku: 'DL-1', price: 12, warehouses: [{ clientId: w, stock: 3 }] }] } });
      await untilWaitingForLock(ctx.sql, 'insert into warehouse_stock');
      await writer`update product_variants set stock = stock + 1 where id = ${v.id}`;
      await writer`commit`;
      const res = await racing;
      expect([res.statusCode, res.json().error?.code]).toEqual([200, undefined]);
    } finally {
      writer.release();
    }
    const [after] = await ctx.sql`select price::float8 from product_variants where id = ${v.id}`;
    expect(after.price).toBe(12);
    expect((await stockRows(id)).map((r) => [r.variant, r.stock])).toEqual([['DL-1', 3]]);
  });
});

/**
 * A PATCH that changes an externalId takes the store's key lock (shared), then the product's row
 * (0096); a writer of variants (a PATCH with a variant set, a with-variants chunk) takes that
 * lock exclusive, then the row: one order. The PATCH locked the row first, and they deadlocked.
 */
describe('PATCH /products/{productId} changing an externalId racing a PATCH with a variant set', () => {
  it('both are applied, one after the other, without a deadlock', async () => {
    const store = await createTestStore(ctx, 0);
    const id = await simpleProduct(store, 'KL-0');
    const holder = await ctx.sql.reserve();
    try {
      // Another writer of the store's variants holds the key lock, so that both PATCHes queue behind it.
      await holder`begin`;
      await holder`select lock_store_keys_for_variants(${store.storeId}::uuid)`;
      const withVariants = patch(store, id, { variants: { items: [{ sku: 'KL-1', price: 10 }] } });
      await untilWaitingForLock(ctx.sql, 'lock_store_keys_for_variants');
      const renaming = patch(store, id, { externalId: 'ext-KL-renamed' });
      await untilWaitingForLock(ctx.sql, 'apply_product_patch');
      await holder`commit`;
      // Seen before PostgreSQL ends one of them (deadlock_timeout), which the PATCH then runs again.
      expect(await deadlockedWhile(ctx.sql, store.storeId, Promise.all([withVariants, renaming]))).toBe(false);
      const [a, b] = await Promise.all([withVariants, renaming]);
      expect([a.statusCode, a.json().error?.code]).toEqual([200, undefined]);
      expect([b.statusCode, b.json().error?.code]).toEqual([200, undefined]);
    } finally {
      holder.release();
    }
    expect(await productRow(id)).toMatchObject({ external_id: 'ext-KL-renamed', has_variants: true });
  });
});
