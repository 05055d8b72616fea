import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Queryable, type Sql, type Transaction } from '../../src/db/database.js';
import { batchKind } from '../../src/batches/processors.js';
import { storeStockRows } from '../../src/inventory/stock-batches.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { indexEntriesRead, spreadStatisticsThin } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A marketplace's statistics (2,000 small stores, analysed), then two stores of 3,000 products
// each: one with 2 warehouses (500 of its products with 2 variants), one without. The database's
// own functions and triggers, in generic plans, estimate either at a few rows. Each path below
// reads of the store what its keys name (0109); before, it read the store's products or
// variants, once or once a key.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let big: string;
let bare: string;
let partnerId: string;
beforeAll(async () => {
  db = await scratchDatabase('omni_thinfn');
  sql = connect(db.url, 1); // one connection: its plans are made once, on these statistics
  for (const t of ['products', 'product_variants', 'product_stock', 'warehouse_stock', 'validation_issues']) {
    await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  }
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  await spreadStatisticsThin(sql, partner.partnerClientId);
  big = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 2 })).storeId;
  bare = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'bare', warehouses: 0 })).storeId;
  [{ partnerId }] = await sql<{ partnerId: string }[]>`select partner_id as "partnerId" from stores where id = ${big}`;
  for (const store of [big, bare]) {
    await sql`insert into products (store_id, external_id, sku, name, price, has_variants)
      select ${store}, 'p' || i, 'P' || i, 'Product', 10, ${store === big} and i % 6 = 0 from generate_series(1, 3000) i`;
  }
  await sql`insert into product_variants (store_id, product_id, external_id, sku, options)
    select p.store_id, p.id, p.external_id || '-v' || j, p.sku || '-V' || j, jsonb_build_object('Size', j::text)
    from products p, generate_series(1, 2) j where p.store_id = ${big} and p.has_variants`;
  await sql`insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
    select p.store_id, p.id, v.id, w.id, 5 from products p join warehouses w on w.store_id = p.store_id
    left join product_variants v on v.store_id = p.store_id and v.product_id = p.id
    where p.store_id = ${big} and p.has_variants = (v.id is not null)`;
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** The index entries of `tables` that `work` read, in one transaction, rolled back: each test starts from the same rows. */
async function entriesRead(tables: string[], work: (tx: Transaction) => Promise<unknown>) {
  const read = async (tx: Queryable) => Promise.all(tables.map((t) => indexEntriesRead(tx, t)));
  let counts: Record<string, number> = {};
  await sql.begin(async (tx) => {
    const before = await read(tx);
    await work(tx);
    const after = await read(tx);
    counts = Object.fromEntries(tables.map((t, i) => [t, after[i] - before[i]]));
    throw new RolledBack();
  }).catch((e) => { if (!(e instanceof RolledBack)) throw e; });
  return counts;
}
class RolledBack extends Error {}

/** The rows' addresses, so that the statement under test finds them by a TID scan and reads no index itself. */
const ctidsOf = (table: 'products' | 'product_variants', column: 'id' | 'product_id', store: string, ids: string[]) =>
  sql.unsafe<{ ctid: string }[]>(`select ctid::text from ${table} where store_id = $1 and ${column} = any($2::uuid[])`, [store, ids])
    .then((rows) => rows.map((r) => r.ctid));

const productIds = (store: string, from: number, count: number, variants = false) => sql<{ id: string }[]>`
  select id from products where store_id = ${store} and has_variants = ${variants} order by external_id offset ${from} limit ${count}`
  .then((rows) => rows.map((r) => r.id));

/** A chunk of a stock batch as the worker applies it (the batch stored as acceptance stores it, without its job). */
async function applyStockChunk(tx: Transaction, store: string, entries: { productId: string; warehouseId: string | null; stock: number }[]) {
  const batchId = randomUUID();
  const rows = entries.map((_, i) => i);
  await storeStockRows(tx, store, batchId, {
    rowIndex: rows, productId: entries.map((e) => e.productId), variantId: entries.map(() => null),
    warehouseId: entries.map((e) => e.warehouseId), stock: entries.map((e) => e.stock), skuRows: null, externalIdRows: null,
  });
  await tx`insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, accepted_rows)
    values (${store}, ${batchId}, 'inventory', ${partnerId}, ${randomUUID()}, 'PENDING', ${rows.length}, ${rows.length}, 1, ${rows}::int[])`;
  const spec = batchKind('inventory');
  if (!('applyChunk' in spec)) throw new Error('stock batches are applied in PostgreSQL');
  expect(await spec.applyChunk(tx, store, batchId, 1000)).toBe('last');
}

it("applies a stock chunk of a store with products with variants reading its products, not the store's (write_stock_rows)", async () => {
  const warehouses = (await sql<{ id: string }[]>`select id from warehouses where store_id = ${big} order by id`).map((w) => w.id);
  const ids = await productIds(big, 100, 100);
  const read = await entriesRead(['products'], (tx) =>
    applyStockChunk(tx, big, ids.flatMap((productId) => warehouses.map((warehouseId) => ({ productId, warehouseId, stock: 3 })))));
  // 0089's check read the store's 500 products with variants once an entry: 100,000 entries.
  expect(read.products).toBeLessThan(1000);
}, 60_000);

it("applies a stock chunk of a store without warehouses looking each product up, not reading the store's (stock_dead_rows)", async () => {
  const ids = await productIds(bare, 100, 100);
  const read = await entriesRead(['products', 'product_stock'], (tx) =>
    applyStockChunk(tx, bare, ids.map((productId) => ({ productId, warehouseId: null, stock: 3 }))));
  // 0084's NOT EXISTS read the store's 3,000 products into a hash.
  expect(read.products).toBeGreaterThanOrEqual(100);
  expect(read.products).toBeLessThan(1000);
}, 60_000);

it("changes SKUs looking their former holders up by SKU, not reading the store's products and variants (reevaluate_duplicate_sku_holders)", async () => {
  const rows = await ctidsOf('products', 'id', big, await productIds(big, 200, 100));
  const read = await entriesRead(['products', 'product_variants', 'validation_issues'], async (tx) => {
    expect((await tx`update products set sku = sku || '-x' where ctid = any(${rows}::tid[])`).count).toBe(100);
  });
  // Once a row: 0100's plan read the store's 3,000 products and 1,000 variants each time.
  expect(read.products + read.product_variants + read.validation_issues).toBeLessThan(2000);
}, 60_000);

it("deactivates and deletes variants recounting their products from their own rows, not the store's variants (recount_stock)", async () => {
  const parents = await productIds(big, 0, 20, true);
  const deactivated = await ctidsOf('product_variants', 'product_id', big, parents.slice(0, 10));
  const deleted = await sql<{ ctid: string }[]>`select ctid::text from product_variants
    where store_id = ${big} and product_id = any(${parents.slice(10)}::uuid[]) and external_id like '%-v1'`.then((r) => r.map((x) => x.ctid));
  let stock: number[] = [];
  const read = await entriesRead(['product_variants'], async (tx) => {
    await tx`update product_variants set is_active = false where ctid = any(${deactivated}::tid[])`;
    await tx`delete from product_variants where ctid = any(${deleted}::tid[])`;
    stock = (await tx<{ stock: number }[]>`select stock from product_stock where store_id = ${big} and product_id = any(${parents}::uuid[])`)
      .map((r) => r.stock);
  });
  // 0075's join read the store's 1,000 variants once a warehouse row of each product (3 or 4 a product).
  expect(read.product_variants).toBeLessThan(1000);
  // Recounted: a deactivated product's variants count no more, a deleted variant's 2 rows of 5 go.
  expect(stock.sort()).toEqual([...Array(10).fill(0), ...Array(10).fill(10)]);
}, 60_000);
