import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareVariantProduct, warehouseIdsOf } from '../helpers/bare-rows.js';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { batchKind } from '../../src/batches/processors.js';
import { readBatch } from '../../src/batches/batch-store.js';
import { storeStockRows } from '../../src/inventory/stock-batches.js';
import { stockEntries } from '../../src/inventory/stock-payload.js';
import { addWarehouse } from '../../src/stores/warehouses.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());
const variantProduct = (store: TestStore, ext: string, variants: { sku: string; ext: string }[]) =>
  bareVariantProduct(ctx.sql, store.storeId, ext, variants);

// The chunk applier itself, on a batch stored as acceptance stores it but with no job: through
// the queue, another test file's worker could process the batch before the change made after acceptance.
async function applyChunk(store: TestStore, rows: { rowIndex: number; payload: any }[], chunkSize = 1000) {
  const batchId = crypto.randomUUID();
  await ctx.sql.begin(async (tx) => {
    await storeStockRows(tx, store.storeId, batchId, stockEntries(rows.map((r) => ({ rowIndex: r.rowIndex, row: r.payload }))));
    await tx`insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, accepted_rows)
      values (${store.storeId}, ${batchId}, 'inventory', ${store.partnerId}, ${crypto.randomUUID()}, 'PENDING', ${rows.length}, ${rows.length},
        ${(1n << 40n).toString()}, ${rows.map((r) => r.rowIndex)}::int[])`;
  });
  const spec = batchKind('inventory');
  if (!('applyChunk' in spec)) throw new Error('stock batches are applied in PostgreSQL');
  const apply = () => ctx.sql.begin((tx) => spec.applyChunk(tx, store.storeId, batchId, chunkSize));
  const states = [await apply()];
  while (states.at(-1) === 'more') states.push(await apply());
  // Each chunk says whether rows are left, so the last one completes the batch; then nothing is.
  expect(states).toEqual([...Array(Math.ceil(rows.length / chunkSize) - 1).fill('more'), 'last']);
  expect(await apply()).toBe('none');
  // As a partner reads them (readBatch fills in the keys PostgreSQL leaves out of a success).
  const { view } = (await readBatch(ctx.sql, store, { batchId }, 1, 1000))!;
  expect(view.summary.pending).toBe(0);
  return view.rows;
}
const placed = (warehouseIds: string[], stock: number) => ({ kind: 'warehouses', allocations: warehouseIds.map((w) => ({ warehouseId: w, clientId: 'c', stock })) });


describe('a stock batch applied a few rows at a time', () => {
  it('applies each row once, in acceptance order, a chunk at a time', async () => {
    const store = await createTestStore(ctx, 1);
    const [w] = await ctx.sql<{ id: string }[]>`select id from warehouses where store_id = ${store.storeId}`;
    const [a, b] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'A'), (${store.storeId}, 'B') returning id`;
    const row = (rowIndex: number, p: { id: string }, stock: number) => ({ rowIndex, payload: { target: 'product', productId: p.id, variantId: null, placement: placed([w.id], stock) } });
    // Rows 1 and 4 set A: 4 is accepted later and wins though a chunk of its own applies it last.
    const outcomes = await applyChunk(store, [row(0, b, 1), row(1, a, 2), row(2, b, 3), row(3, b, 5), row(4, a, 7)], 2);
    expect(outcomes.map((o) => [o.rowIndex, o.status])).toEqual([[0, 'SUCCEEDED'], [1, 'SUCCEEDED'], [2, 'SUCCEEDED'], [3, 'SUCCEEDED'], [4, 'SUCCEEDED']]);
    const stock = await ctx.sql`select id, stock from products_with_stock where id in ${ctx.sql([a.id, b.id])}`;
    expect(Object.fromEntries(stock.map((s) => [s.id, s.stock]))).toEqual({ [a.id]: 7, [b.id]: 5 });
    const audits = await ctx.sql`select changes from audit_events where store_id = ${store.storeId} and action = 'stock.updated' order by id`;
    expect(audits.map((x) => x.changes.rows)).toEqual([[0, 1], [2, 3], [4]]);
    // The products each chunk set, each counted once (0137: rows 2 and 3 of B were 2 products).
    expect(audits.map((x) => [x.changes.products, x.changes.variants])).toEqual([[2, 0], [1, 0], [1, 0]]);
  });
});

describe('a stock chunk applied after its store got its first warehouses', () => {
  it('puts product-level stock accepted before on every warehouse, so the total stays the sum of rows', async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Before') returning id`;
    await ctx.sql`update product_stock set stock = 3 where product_id = ${p.id}`;
    const rows = [{ rowIndex: 0, payload: { target: 'product', productId: p.id, variantId: null, placement: { kind: 'product', stock: 9 } } }];
    await addWarehouse(ctx.sql, store.storeId, 'First');
    await addWarehouse(ctx.sql, store.storeId, 'Second');
    const outcomes = await applyChunk(store, rows);
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED']);
    const stock = await ctx.sql`select w.name, ws.stock from warehouse_stock ws join warehouses w on w.id = ws.warehouse_id where ws.product_id = ${p.id} order by w.name`;
    expect(stock.map((r) => [r.name, r.stock])).toEqual([['First', 9], ['Second', 9]]);
    expect((await ctx.sql`select stock from products_with_stock where id = ${p.id}`)[0].stock).toBe(18);
  });
});

describe('a stock chunk whose targets were deleted after acceptance', () => {

  it('fails only the deleted product and variant, with the code of the identifier each was sent with, and applies the rest', async () => {
    const store = await createTestStore(ctx, 2);
    const whs = await warehouseIdsOf(ctx.sql, store.storeId);
    const [kept, gone] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Gone') returning id`;
    const parent = await variantProduct(store, 'del-parent', [{ sku: 'DEL-V1', ext: 'del-v1' }, { sku: 'DEL-V2', ext: 'del-v2' }]);
    await ctx.sql`insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
      select ${store.storeId}, p, v, w, 1 from unnest(${[kept.id, gone.id, parent.productId, parent.productId]}::uuid[],
        ${[null, null, parent.variants['DEL-V1'], parent.variants['DEL-V2']]}::uuid[]) as t(p, v), unnest(${whs}::uuid[]) as w`;
    const rows = [
      { rowIndex: 0, payload: { target: 'product', productId: kept.id, variantId: null, placement: placed(whs, 7), namedBy: 'sku' } },
      { rowIndex: 1, payload: { target: 'product', productId: gone.id, variantId: null, placement: placed(whs, 8), namedBy: 'id' } },
      { rowIndex: 2, payload: { target: 'variant', productId: parent.productId, variantId: parent.variants['DEL-V1'], placement: placed(whs, 9), namedBy: 'externalId' } },
      { rowIndex: 3, payload: { target: 'variant', productId: parent.productId, variantId: parent.variants['DEL-V2'], placement: placed(whs.slice(0, 1), 4), namedBy: 'sku' } },
    ];
    await ctx.sql`delete from products where id = ${gone.id}`;
    await ctx.sql`delete from product_variants where id = ${parent.variants['DEL-V1']}`;

    const outcomes = await applyChunk(store, rows);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'SUCCEEDED', null], [1, 'FAILED', 'INV_002'], [2, 'FAILED', 'INV_003'], [3, 'SUCCEEDED', null]]);
    const stock = await ctx.sql`select product_id, variant_id, warehouse_id, stock from warehouse_stock where store_id = ${store.storeId} order by product_id, variant_id, warehouse_id`;
    expect(stock.filter((r) => r.product_id === kept.id).map((r) => r.stock)).toEqual([7, 7]);
    expect(stock.filter((r) => r.product_id === gone.id)).toEqual([]);
    expect(stock.filter((r) => r.variant_id === parent.variants['DEL-V1'])).toEqual([]);
    const v2 = Object.fromEntries(stock.filter((r) => r.variant_id === parent.variants['DEL-V2']).map((r) => [r.warehouse_id, r.stock]));
    expect(v2).toEqual({ [whs[0]]: 4, [whs[1]]: 1 });
    const aggregates = await ctx.sql`select id, stock from products_with_stock where id in ${ctx.sql([kept.id, parent.productId])}`;
    expect(Object.fromEntries(aggregates.map((a) => [a.id, a.stock]))).toEqual({ [kept.id]: 14, [parent.productId]: 5 });
  });

  // Rows stored before 0084 do not say how they were named: theirs is the code of their target.
  it('on a store without warehouses, fails the deleted product and sets the others', async () => {
    const store = await createTestStore(ctx, 0);
    const [kept, gone] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Gone') returning id`;
    await ctx.sql`delete from products where id = ${gone.id}`;
    const outcomes = await applyChunk(store, [
      { rowIndex: 0, payload: { target: 'product', productId: gone.id, variantId: null, placement: { kind: 'product', stock: 3 } } },
      { rowIndex: 1, payload: { target: 'product', productId: kept.id, variantId: null, placement: { kind: 'product', stock: 6 } } },
    ]);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'FAILED', 'INV_002'], [1, 'SUCCEEDED', null]]);
    const [p] = await ctx.sql`select stock from products_with_stock where id = ${kept.id}`;
    expect(p.stock).toBe(6);
  });

  it('on a store without warehouses, fails a product whose deletion commits while the chunk looks it up (it was SUCCEEDED: QA)', async () => {
    const store = await createTestStore(ctx, 0);
    const [kept, gone] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Gone') returning id`;
    let outcomes: Promise<{ rowIndex: number; status: string; code?: string }[]> | undefined;
    // The deletion holds its row while the chunk starts, and commits after the chunk has looked it up.
    await ctx.sql.begin(async (tx) => {
      await tx`delete from products where id = ${gone.id}`;
      outcomes = applyChunk(store, [
        { rowIndex: 0, payload: { target: 'product', productId: gone.id, variantId: null, placement: { kind: 'product', stock: 3 } } },
        { rowIndex: 1, payload: { target: 'product', productId: kept.id, variantId: null, placement: { kind: 'product', stock: 6 } } },
      ]) as any;
      await new Promise((r) => setTimeout(r, 400));
    });
    expect((await outcomes!).map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'FAILED', 'INV_002'], [1, 'SUCCEEDED', null]]);
    const [p] = await ctx.sql`select stock from products_with_stock where id = ${kept.id}`;
    expect(p.stock).toBe(6);
  });
});

describe('a stock chunk whose product took variants after acceptance', () => {
  // A product given variants (PATCH with a variant set) has no stock of its own: its rows
  // accepted while it was simple fail INV_005, as they would be refused at accept now.
  const takeVariants = async (store: TestStore, productId: string) => {
    await ctx.sql`delete from warehouse_stock where product_id = ${productId} and variant_id is null`;
    await ctx.sql`update products set has_variants = true where id = ${productId}`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${productId}, ${`V-${productId}`})`;
  };

  it('fails its row INV_005, writes it no stock of its own, and applies the rest', async () => {
    const store = await createTestStore(ctx, 2);
    const whs = await warehouseIdsOf(ctx.sql, store.storeId);
    const [kept, converted] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Converted') returning id`;
    const rows = [
      { rowIndex: 0, payload: { target: 'product', productId: kept.id, variantId: null, placement: placed(whs, 7), namedBy: 'sku' } },
      { rowIndex: 1, payload: { target: 'product', productId: converted.id, variantId: null, placement: placed(whs, 8), namedBy: 'id' } },
    ];
    await takeVariants(store, converted.id);

    const outcomes = await applyChunk(store, rows);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'SUCCEEDED', null], [1, 'FAILED', 'INV_005']]);
    expect(await ctx.sql`select 1 from warehouse_stock where product_id = ${converted.id} and variant_id is null`).toHaveLength(0);
    expect((await ctx.sql`select stock from products_with_stock where id = ${kept.id}`)[0].stock).toBe(14);
  });

  it('on a store without warehouses too', async () => {
    const store = await createTestStore(ctx, 0);
    const [kept, converted] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name) values (${store.storeId}, 'Kept'), (${store.storeId}, 'Converted') returning id`;
    await takeVariants(store, converted.id);
    const outcomes = await applyChunk(store, [
      { rowIndex: 0, payload: { target: 'product', productId: converted.id, variantId: null, placement: { kind: 'product', stock: 3 } } },
      { rowIndex: 1, payload: { target: 'product', productId: kept.id, variantId: null, placement: { kind: 'product', stock: 6 } } },
    ]);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code])).toEqual([[0, 'FAILED', 'INV_005'], [1, 'SUCCEEDED', null]]);
    expect((await ctx.sql`select stock from product_stock where product_id = ${converted.id}`)[0]?.stock ?? 0).toBe(0);
    expect((await ctx.sql`select stock from products_with_stock where id = ${kept.id}`)[0].stock).toBe(6);
  });
});
