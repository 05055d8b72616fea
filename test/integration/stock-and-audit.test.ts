import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReservedSql } from 'postgres';
import { createTestApp, createTestStore, subscribeToAllEvents, type TestContext } from '../helpers/test-app.js';
import { recordAudit } from '../../src/audit/audit-log.js';
import { emitEvents } from '../../src/webhooks/outbox.js';
import { createWebhookEndpoint, disableWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { addWarehouse } from '../../src/stores/warehouses.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

async function product(storeId: string, stock = 0) {
  const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${storeId}, 'P') returning id`;
  if (stock !== 0) await ctx.sql`update product_stock set stock = ${stock} where product_id = ${p.id}`;
  return p.id;
}
const warehouseIds = async (storeId: string) =>
  (await ctx.sql<{ id: string }[]>`select id from warehouses where store_id = ${storeId} order by name`).map((w) => w.id);
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

  /** The first writer's statement runs in an open transaction; the second waits for it, then it commits. */
  async function whileHeld(first: (tx: ReservedSql) => Promise<unknown>, second: () => Promise<unknown>, secondText: string) {
    const held = await ctx.sql.reserve();
    try {
      await held`begin`;
      await first(held);
      const waiting = second();
      for (let i = 0; ; i++) {
        const [{ n }] = await ctx.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like ${`${secondText}%`}`;
        if (n > 0) break;
        if (i > 200) throw new Error('the second writer never waited');
        await new Promise((r) => setTimeout(r, 10));
      }
      await held`commit`;
      await waiting;
    } finally {
      held.release();
    }
  }

  it('counts both of two concurrent writers of different rows of one product', async () => {
    const s = await createTestStore(ctx, 3);
    const [w1, w2, w3] = await warehouseIds(s.storeId);
    const p = await product(s.storeId);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 1), (${s.storeId}, ${p}, ${w2}, 1)`;
    // An update beside an update: each moves the total by its own change.
    await whileHeld((tx) => tx`update warehouse_stock set stock = 10 where product_id = ${p} and warehouse_id = ${w1}`,
      () => ctx.sql`update warehouse_stock set stock = 20 where product_id = ${p} and warehouse_id = ${w2}`.execute(), 'update warehouse_stock set stock = 20');
    expect(await stockOf('products', p)).toBe(30);
    // A new row beside an update: the insert waits for the product's lock, then adds to the updated total.
    await whileHeld((tx) => tx`update warehouse_stock set stock = 15 where product_id = ${p} and warehouse_id = ${w1}`,
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
    await whileHeld((tx) => tx`select * from add_warehouse(${s.storeId}::uuid, 'WH-FIRST', 'First')`,
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
    await whileHeld((tx) => tx`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${p}, ${w1}, 4), (${s.storeId}, ${p}, ${w2}, 5)`,
      () => ctx.sql`delete from products where id = ${p}`.execute(), 'delete from products');
    expect(await ctx.sql`select * from warehouse_stock where product_id = ${p}`).toEqual([]);
    expect(await ctx.sql`select * from product_stock where product_id = ${p}`).toEqual([]);
    // And a product deleted first refuses new rows.
    const q = await product(s.storeId);
    await ctx.sql`delete from products where id = ${q}`;
    await expect(ctx.sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) values (${s.storeId}, ${q}, ${w1}, 1)`)
      .rejects.toMatchObject({ code: '23503' });
  });

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
    await whileHeld((tx) => tx`insert into products (store_id, name) values (${b}, 'first')`,
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
    await whileHeld((tx) => tx`insert into product_variants (store_id, product_id, sku) values (${s.storeId}, ${q}, 'V-2')`,
      () => ctx.sql`delete from products where id = ${q}`.execute(), 'delete from products');
    expect(await ctx.sql`select id from products where id = ${q}`).toEqual([]);
    expect(await ctx.sql`select id from product_variants where product_id = ${q}`).toEqual([]);
  });
});

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
