import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareProduct, warehouseIdsOf } from '../helpers/bare-rows.js';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { whileHeld } from '../helpers/lock-waits.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());
const product = (storeId: string, stock = 0) => bareProduct(ctx.sql, storeId, stock);
const warehouseIds = (storeId: string) => warehouseIdsOf(ctx.sql, storeId);


describe('keys and references of products and variants', () => {
  it('sku and externalId are unique per store, not across stores', async () => {
    const s1 = await createTestStore(ctx); const s2 = await createTestStore(ctx);
    await ctx.sql`insert into products (store_id, name, sku, external_id) values (${s1.storeId}, 'a', 'SKU1', 'E1'), (${s2.storeId}, 'a', 'SKU1', 'E1')`;
    await expect(ctx.sql`insert into products (store_id, name, sku) values (${s1.storeId}, 'b', 'SKU1')`).rejects.toThrow(/duplicate key/);
    await expect(ctx.sql`insert into products (store_id, name, external_id) values (${s1.storeId}, 'b', 'E1')`).rejects.toThrow(/duplicate key/);
  });

  it('a product belongs to a store that exists, stays in it, and keeps the store (0076)', async () => {
    const s = await createTestStore(ctx); const other = await createTestStore(ctx);
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(ctx.sql`insert into products (store_id, name) values (${missing}, 'x')`).rejects.toMatchObject({ code: '23503' });
    // One bad row refuses the whole statement.
    await expect(ctx.sql`insert into products (store_id, name) select x, 'x' from unnest(${[s.storeId, missing]}::uuid[]) as x`)
      .rejects.toMatchObject({ code: '23503' });
    expect(await ctx.sql`select id from products where store_id = ${s.storeId}`).toEqual([]);
    const p = await product(s.storeId);
    await expect(ctx.sql`update products set store_id = ${other.storeId} where id = ${p}`).rejects.toMatchObject({ code: '23001' });
    await expect(ctx.sql`delete from stores where id = ${s.storeId}`).rejects.toThrow(/still has products/);

    // A bare store (no tokens or warehouses, which have foreign keys of their own): deleted once
    // empty; a delete waits for a transaction inserting its first product, then refuses.
    const bare = async () => (await ctx.sql<{ id: string }[]>`insert into stores (partner_id, client_id, name)
      select partner_id, gen_random_uuid()::text, 'bare' from stores where id = ${s.storeId} returning id`)[0].id;
    await ctx.sql`delete from stores where id = ${await bare()}`;
    const b = await bare();
    let refused: unknown;
    await whileHeld(ctx.sql, (tx) => tx`insert into products (store_id, name) values (${b}, 'first')`,
      () => ctx.sql`delete from stores where id = ${b}`.execute().catch((err) => { refused = err; }), 'delete from stores');
    expect(refused).toMatchObject({ code: '23503' });
    expect(await ctx.sql`select name from products where store_id = ${b}`).toEqual([{ name: 'first' }]);
  });

  it('a variant belongs to a product of its store, stays with it, and goes with it (0077)', async () => {
    const s = await createTestStore(ctx, 1); const other = await createTestStore(ctx);
    const [w1] = await warehouseIds(s.storeId);
    const p = await product(s.storeId); const q = await product(s.storeId); const theirs = await product(other.storeId);
    const variant = (storeId: string, productId: string, sku: string) =>
      ctx.sql`insert into product_variants (store_id, product_id, sku) values (${storeId}, ${productId}, ${sku}) returning id`;
    await expect(variant(s.storeId, '00000000-0000-4000-8000-000000000000', 'V-0')).rejects.toMatchObject({ code: '23503' });
    await expect(variant(s.storeId, theirs, 'V-0')).rejects.toMatchObject({ code: '23503' }); // a product of another store
    // One bad row refuses the whole statement.
    await expect(ctx.sql`insert into product_variants (store_id, product_id, sku)
      select ${s.storeId}, x, 'V-' || n from unnest(${[p, theirs]}::uuid[]) with ordinality as t (x, n)`).rejects.toMatchObject({ code: '23503' });
    expect(await ctx.sql`select id from product_variants where store_id = ${s.storeId}`).toEqual([]);

    const [v] = await variant(s.storeId, p, 'V-1');
    await expect(ctx.sql`update product_variants set product_id = ${q} where id = ${v.id}`).rejects.toMatchObject({ code: '23001' });
    await ctx.sql`insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${v.id}, ${w1}, 3)`;
    await ctx.sql`delete from products where id = ${p}`;
    expect(await ctx.sql`select id from product_variants where product_id = ${p}`).toEqual([]);
    expect(await ctx.sql`select stock from warehouse_stock where product_id = ${p}`).toEqual([]);

    // A deletion waits for a transaction writing the product's first variant, then takes it along.
    await whileHeld(ctx.sql, (tx) => tx`insert into product_variants (store_id, product_id, sku) values (${s.storeId}, ${q}, 'V-2')`,
      () => ctx.sql`delete from products where id = ${q}`.execute(), 'delete from products');
    expect(await ctx.sql`select id from products where id = ${q}`).toEqual([]);
    expect(await ctx.sql`select id from product_variants where product_id = ${q}`).toEqual([]);
  });
});
