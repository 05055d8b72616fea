import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareProduct, warehouseIdsOf } from '../helpers/bare-rows.js';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { whileHeld } from '../helpers/lock-waits.js';
import { addWarehouse } from '../../src/stores/warehouses.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());
const product = (storeId: string, stock = 0) => bareProduct(ctx.sql, storeId, stock);
const warehouseIds = (storeId: string) => warehouseIdsOf(ctx.sql, storeId);
const stockOf = async (table: 'products' | 'product_variants', id: string) =>
  (await ctx.sql<{ stock: number }[]>`select stock from ${ctx.sql(table === 'products' ? 'products_with_stock' : table)} where id = ${id}`)[0].stock;

describe('stock aggregates kept by triggers', () => {
  it('a store without warehouses keeps stock on the product', async () => {
    const s = await createTestStore(ctx, 0);
    const id = await product(s.storeId, 40);
    expect(await stockOf('products', id)).toBe(40);
  });

  it('product stock is the sum of its warehouse rows, set-based across many products', async () => {
    const s = await createTestStore(ctx, 3);
    const [w1, w2, w3] = await warehouseIds(s.storeId);
    const a = await product(s.storeId); const b = await product(s.storeId);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
      select ${s.storeId}, p, w, n from unnest(${[a, a, a, b]}::uuid[], ${[w1, w2, w3, w1]}::uuid[], ${[5, 7, 11, 3]}::int[]) as t(p, w, n)`;
    expect([await stockOf('products', a), await stockOf('products', b)]).toEqual([23, 3]);
    await ctx.sql`update warehouse_stock set stock = 1 where product_id = ${a} and warehouse_id = ${w2}`;
    expect(await stockOf('products', a)).toBe(17);
    await ctx.sql`delete from warehouse_stock where product_id = ${a}`;
    expect(await stockOf('products', a)).toBe(0);
  });

  it('variant stock sums its rows; product stock sums active variants only', async () => {
    const s = await createTestStore(ctx, 2);
    const [w1, w2] = await warehouseIds(s.storeId);
    const p = await product(s.storeId);
    const [v1, v2] = (await ctx.sql<{ id: string }[]>`insert into product_variants (store_id, product_id, sku)
      values (${s.storeId}, ${p}, ${'A-' + p}), (${s.storeId}, ${p}, ${'B-' + p}) returning id`).map((r) => r.id);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock) values
      (${s.storeId}, ${p}, ${v1}, ${w1}, 2), (${s.storeId}, ${p}, ${v1}, ${w2}, 3), (${s.storeId}, ${p}, ${v2}, ${w1}, 10)`;
    expect([await stockOf('product_variants', v1), await stockOf('product_variants', v2), await stockOf('products', p)]).toEqual([5, 10, 15]);
    await ctx.sql`update product_variants set is_active = false where id = ${v2}`;
    expect(await stockOf('products', p)).toBe(5);
    await ctx.sql`update product_variants set is_active = true where id = ${v2}`;
    expect(await stockOf('products', p)).toBe(15);
    // Updates move each aggregate by their change; an inactive variant's rows move only the variant.
    await ctx.sql`update warehouse_stock set stock = stock + 4 where variant_id in (${v1}, ${v2})`;
    expect([await stockOf('product_variants', v1), await stockOf('product_variants', v2), await stockOf('products', p)]).toEqual([13, 14, 27]);
    await ctx.sql`update product_variants set is_active = false where id = ${v2}`;
    await ctx.sql`update warehouse_stock set stock = 0 where variant_id = ${v2}`;
    expect([await stockOf('product_variants', v2), await stockOf('products', p)]).toEqual([0, 13]);
  });

  it('an upsert that updates some rows and inserts others counts each change once', async () => {
    const s = await createTestStore(ctx, 3);
    const [w1, w2, w3] = await warehouseIds(s.storeId);
    const p = await product(s.storeId);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 5)`;
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
      select ${s.storeId}, ${p}, w, n from unnest(${[w1, w2, w3]}::uuid[], ${[8, 2, 1]}::int[]) as t(w, n)
      on conflict (store_id, product_id, variant_id, warehouse_id) do update set stock = excluded.stock`;
    expect(await stockOf('products', p)).toBe(11);
  });
  it('counts both of two concurrent writers of different rows of one product', async () => {
    const s = await createTestStore(ctx, 3);
    const [w1, w2, w3] = await warehouseIds(s.storeId);
    const p = await product(s.storeId);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 1), (${s.storeId}, ${p}, ${w2}, 1)`;
    // An update beside an update: each moves the total by its own change.
    await whileHeld(ctx.sql, (tx) => tx`update warehouse_stock set stock = 10 where product_id = ${p} and warehouse_id = ${w1}`,
      () => ctx.sql`update warehouse_stock set stock = 20 where product_id = ${p} and warehouse_id = ${w2}`.execute(), 'update warehouse_stock set stock = 20');
    expect(await stockOf('products', p)).toBe(30);
    // A new row beside an update: the insert waits for the product's lock, then adds to the updated total.
    await whileHeld(ctx.sql, (tx) => tx`update warehouse_stock set stock = 15 where product_id = ${p} and warehouse_id = ${w1}`,
      () => ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w3}, 7)`.execute(), 'insert into warehouse_stock');
    expect(await stockOf('products', p)).toBe(42);
  });

  it("skips the recount only for the statement that says its products' stock already counts its rows", async () => {
    const s = await createTestStore(ctx, 2);
    const [w1, w2] = await warehouseIds(s.storeId);
    const created = await product(s.storeId, 9);
    const later = await product(s.storeId);
    const rolledBack = await product(s.storeId);
    const counted = (p: string, w: string, n: number) => ctx.sql`
      with counted as (select set_config('omni.stock_counted', 'on', true))
      insert into warehouse_stock (store_id, product_id, warehouse_id, stock) select ${s.storeId}, ${p}, ${w}, ${n} from counted`;
    await ctx.sql.begin(async (tx) => {
      // As the product writer does: the product was inserted with the sum of its new rows (4 + 5).
      await tx`with counted as (select set_config('omni.stock_counted', 'on', true))
        insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
        select ${s.storeId}, ${created}, w, n from unnest(${[w1, w2]}::uuid[], ${[4, 5]}::int[]) as t(w, n), counted`;
      // The flag was consumed: the next insert of the same transaction moves its product's total.
      await tx`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${later}, ${w1}, 6)`;
      // A statement that fails takes its flag back with it.
      await tx.savepoint(async (sp) => {
        await sp`select set_config('omni.stock_counted', 'on', true)`;
        throw new Error('rolled back');
      }).catch(() => {});
      await tx`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${rolledBack}, ${w2}, 3)`;
    });
    expect([await stockOf('products', created), await stockOf('products', later), await stockOf('products', rolledBack)]).toEqual([9, 6, 3]);
    // Outside the writer, a flagged insert keeps a wrong total (and checks no product): the flag is a promise that only
    // product-writer.ts makes, for products its transaction has just inserted.
    const other = await product(s.storeId, 1);
    await counted(other, w1, 2);
    expect(await stockOf('products', other)).toBe(1);
  });

  it("a store's first warehouse takes over its products' stock; later ones and new rows add to it", async () => {
    const s = await createTestStore(ctx, 0);
    const stocked = await product(s.storeId, 40);
    const empty = await product(s.storeId, 0);
    // Two warehouses added at once: the second waits for the first, and only the first takes the stock.
    await whileHeld(ctx.sql, (tx) => tx`select * from add_warehouse(${s.storeId}::uuid, 'WH-FIRST', 'First')`,
      () => addWarehouse(ctx.sql, s.storeId, 'Second'), '%from add_warehouse(');
    const rows = await ctx.sql<{ product_id: string; name: string; stock: number }[]>`
      select ws.product_id, w.name, ws.stock from warehouse_stock ws join warehouses w on w.id = ws.warehouse_id where ws.store_id = ${s.storeId}`;
    expect(rows).toEqual([{ product_id: stocked, name: 'First', stock: 40 }]);
    expect([await stockOf('products', stocked), await stockOf('products', empty)]).toEqual([40, 0]);
    const [, second] = await warehouseIds(s.storeId);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values
      (${s.storeId}, ${stocked}, ${second}, 5), (${s.storeId}, ${empty}, ${second}, 2)`;
    expect([await stockOf('products', stocked), await stockOf('products', empty)]).toEqual([45, 2]);
  });

  it("gives every product its stock row: the writer's own, with the first stock, or one with 0", async () => {
    const s = await createTestStore(ctx, 0);
    const ids = await ctx.sql.begin(async (tx) => {
      // As the product writer does: the flag says the statement writes the rows itself.
      const [w] = await tx<{ id: string }[]>`
        with written as (select set_config('omni.stock_rows_written', 'on', true)),
        ins as (insert into products (store_id, name) values (${s.storeId}, 'Written') returning id, store_id),
        totals as (insert into product_stock (store_id, product_id, stock) select ins.store_id, ins.id, 7 from ins, written)
        select id from ins`;
      // The flag was consumed: the next insert of the transaction gets its rows from the trigger.
      const [t] = await tx<{ id: string }[]>`insert into products (store_id, name) values (${s.storeId}, 'Plain') returning id`;
      return [w.id, t.id];
    });
    const rows = await ctx.sql`select product_id, stock from product_stock where product_id in ${ctx.sql(ids)}`;
    expect(Object.fromEntries(rows.map((r) => [r.product_id, r.stock]))).toEqual({ [ids[0]]: 7, [ids[1]]: 0 });
  });

  it('one stock row per (product, variant, warehouse), even for simple products (variant null)', async () => {
    const s = await createTestStore(ctx, 1);
    const [w1] = await warehouseIds(s.storeId);
    const p = await product(s.storeId);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 1)`;
    await expect(ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 2)`).rejects.toThrow(/duplicate key/);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 9)
      on conflict (store_id, product_id, variant_id, warehouse_id) do update set stock = excluded.stock`;
    expect(await stockOf('products', p)).toBe(9);
  });

  it('stock rows reference a product, variant and warehouse of their store, and go with them', async () => {
    const s = await createTestStore(ctx, 2);
    const other = await createTestStore(ctx, 1);
    const [w1, w2] = await warehouseIds(s.storeId);
    const [theirs] = await warehouseIds(other.storeId);
    const p = await product(s.storeId);
    const q = await product(s.storeId);
    const [v] = await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${s.storeId}, ${q}, 'Q-1') returning id`;
    const insert = (product: string, warehouse: string, variant: string | null = null) => ctx.sql`
      insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock) values (${s.storeId}, ${product}, ${variant}, ${warehouse}, 1)`;
    await expect(insert('00000000-0000-4000-8000-000000000000', w1)).rejects.toMatchObject({ code: '23503' });
    await expect(insert(p, theirs)).rejects.toMatchObject({ code: '23503' });
    await expect(insert(p, w1, v.id)).rejects.toMatchObject({ code: '23503' }); // a variant of another product
    // One bad row refuses the whole statement.
    await expect(ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
      select ${s.storeId}, x, ${w1}, 1 from unnest(${[p, '00000000-0000-4000-8000-000000000000']}::uuid[]) as x`).rejects.toMatchObject({ code: '23503' });
    const [{ n: none }] = await ctx.sql`select count(*)::int as n from warehouse_stock where store_id = ${s.storeId}`;
    expect(none).toBe(0);

    await insert(p, w1); await insert(p, w2); await insert(q, w1, v.id);
    await expect(ctx.sql`update warehouse_stock set warehouse_id = ${w2} where product_id = ${q}`).rejects.toMatchObject({ code: '23001' });
    await ctx.sql`delete from product_variants where id = ${v.id}`;
    await ctx.sql`delete from products where id = ${p}`;
    const left = await ctx.sql`select product_id from warehouse_stock where store_id = ${s.storeId}`;
    expect(left).toEqual([]);
  });

  it('a product deleted while another transaction writes its first stock rows leaves none behind', async () => {
    const s = await createTestStore(ctx, 2);
    const [w1, w2] = await warehouseIds(s.storeId);
    const p = await product(s.storeId);
    // The writer holds the product's stock row; the deletion waits for it, then takes the rows it wrote.
    await whileHeld(ctx.sql, (tx) => tx`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 4), (${s.storeId}, ${p}, ${w2}, 5)`,
      () => ctx.sql`delete from products where id = ${p}`.execute(), 'delete from products');
    expect(await ctx.sql`select * from warehouse_stock where product_id = ${p}`).toEqual([]);
    expect(await ctx.sql`select * from product_stock where product_id = ${p}`).toEqual([]);
    // And a product deleted first refuses new rows.
    const q = await product(s.storeId);
    await ctx.sql`delete from products where id = ${q}`;
    await expect(ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${q}, ${w1}, 1)`)
      .rejects.toMatchObject({ code: '23503' });
  });

});
