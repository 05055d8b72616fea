import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import type { Transaction } from '../../src/db/database.js';
import { acceptPriceRows } from '../../src/catalog/price-rows.js';
import '../../src/catalog/price-batches.js';
import { batchKind, type BatchContext, type BatchProcessor } from '../../src/batches/processors.js';
import { writeProducts } from '../../src/catalog/product-writer.js';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { bigStoreUnseen, indexEntriesRead, spreadStatisticsThin } from '../helpers/index-reads.js';
import { until } from '../helpers/lock-waits.js';

// A marketplace's statistics (2,000 small stores analysed), then a big store of 3,000 simple
// products and 300 with 2 variants each, which the statistics do not know: the store compared
// unseen (or in a generic plan) looks a few rows, and a plan that reads it whole looks cheap.
const PRICES = '/api/v1/partner/stores/products/prices';
const SIMPLE = 3000;
let ctx: TestContext;
let worker: Runner;
let big: TestStore;
let simple: { id: string; sku: string }[];
let variants: { id: string; sku: string; product_id: string }[];
beforeAll(async () => {
  ctx = await createTestApp();
  worker = await startTestWorker(ctx);
  big = await createTestStore(ctx);
  await spreadStatisticsThin(ctx.sql, big.partnerClientId);
  ({ simple, variants } = await bigStoreUnseen(ctx.sql, big.storeId, SIMPLE));
}, 120_000);
afterAll(async () => { await worker.stop(); await ctx.close(); });

/**
 * The entries of the catalog tables' indexes `work` reads, in one transaction, then what `check`
 * finds in it; rolled back (the rows stay as they are for the next test).
 */
async function catalogEntriesRead<T, C = undefined>(work: (tx: Transaction) => Promise<T>, check?: (tx: Transaction) => Promise<C>): Promise<{ read: number; result: T; checked: C }> {
  let measured: { read: number; result: T; checked: C } | undefined;
  await ctx.sql.begin(async (tx) => {
    const tables = ['products', 'product_variants', 'product_stock'];
    const before = await Promise.all(tables.map((t) => indexEntriesRead(tx, t)));
    const result = await work(tx);
    const after = await Promise.all(tables.map((t) => indexEntriesRead(tx, t)));
    measured = { read: after.reduce((sum, n, k) => sum + n - before[k], 0), result, checked: (await check?.(tx)) as C };
    throw new Error('rolled back');
  }).catch((err) => { if (!measured) throw err; });
  return measured!;
}

/**
 * A race set up step by step: `first` updates rows in an open transaction; `second` runs in a
 * transaction of a connection of its own until it waits for a lock (whichever statement of it
 * waits); the first commits, and the second finishes.
 */
async function whileUpdated<T>(first: (tx: Transaction) => Promise<unknown>, second: (tx: Transaction) => Promise<T>): Promise<T> {
  const conn = await ctx.sql.reserve();
  const held = await ctx.sql.reserve();
  try {
    const [{ pid }] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await held`begin`;
    await first(held as unknown as Transaction);
    await conn`begin`;
    const work = second(conn as unknown as Transaction);
    await until('the chunk waiting for a lock', async () =>
      (await ctx.sql`select 1 from pg_stat_activity where pid = ${pid} and wait_event_type = 'Lock'`).length > 0);
    await held`commit`;
    const result = await work;
    await conn`commit`;
    return result;
  } finally {
    held.release();
    conn.release();
  }
}

/** The worker's processing of a chunk of price rows (price-batches.ts), as process-batch.ts calls it. */
const processPrices = (batchKind('products.prices') as { process: BatchProcessor }).process;
const context = (batchId = randomUUID()): BatchContext => ({
  storeId: big.storeId, partnerId: big.partnerId, partnerClientId: big.partnerClientId, batchId, requestId: randomUUID(), ip: null, acceptedSeq: 0n, body: null,
});

describe('price changes in a big store on a marketplace\'s statistics', () => {
  it('accepts 150 rows by sku, variant sku and id looking each key up, not reading the store (3,900 products and variants)', async () => {
    const items = [
      ...simple.slice(0, 50).map((p) => ({ sku: p.sku, price: 120 })),
      ...variants.slice(0, 50).map((v) => ({ sku: v.sku, price: 60 })),
      ...simple.slice(50, 100).map((p) => ({ id: p.id.toUpperCase(), price: 130 })),
    ];
    const { read, result } = await catalogEntriesRead((tx) => acceptPriceRows(tx, { storeId: big.storeId, partnerId: big.partnerId }, { requestId: randomUUID(), ip: null }, items));
    expect(result.errors).toEqual([]);
    expect(result.acceptedRows.map((r) => r.target)).toEqual([...Array(50).fill('product'), ...Array(50).fill('variant'), ...Array(50).fill('product')]);
    // Measured: 151 entries, one per key found; before the change 7,200 (the store's 3,300 products
    // read twice, its 600 variants once).
    expect(read).toBeLessThan(1000);
  });

  it('applies 150 price rows locking and writing each product and variant by its key, not reading the store', async () => {
    const rows = [
      ...simple.slice(100, 200).map((p, k) => ({ rowIndex: k, payload: { target: 'product', productId: p.id, variantId: null, price: 140 } })),
      ...variants.slice(100, 150).map((v, k) => ({ rowIndex: 100 + k, payload: { target: 'variant', productId: v.product_id, variantId: v.id, specialPrice: 40 } })),
    ];
    const { read, result, checked } = await catalogEntriesRead((tx) => processPrices(tx, context(), rows), (tx) =>
      tx<{ n: number }[]>`select count(*)::int as n from products where store_id = ${big.storeId} and price = 140
        union all select count(*)::int from product_variants where store_id = ${big.storeId} and special_price = 40`.then((w) => w.map((r) => r.n)));
    expect(result.every((o) => o.status === 'SUCCEEDED')).toBe(true);
    expect(checked).toEqual([100, 50]);
    // Measured: 1,006 entries (150 locks, and the quality rules' reads for 100 products); before
    // the change 8,656, the locks and the writes each reading the store whole.
    expect(read).toBeLessThan(2000);
  });

  it('applies a chunk of 1,000 rows by sku and id through the real path, the prices checked on the rows before', async () => {
    const items = [
      ...simple.slice(200, 700).map((p) => ({ sku: p.sku, price: 150, specialPrice: 140 })),
      ...simple.slice(700, 900).map((p) => ({ id: p.id, specialPrice: 200 })), // not below price: PRD_008
      ...variants.slice(200, 500).map((v) => ({ sku: v.sku, price: 70 })),
    ];
    const res = await signedInject(ctx, big, { method: 'PATCH', url: PRICES, body: { items } });
    expect(res.statusCode).toBe(200);
    const { data } = res.json();
    expect(data.errors.length).toBe(200);
    await waitForBatch(ctx, data.batchId);
    const [{ succeeded, failed }] = await ctx.sql`select succeeded, failed from batches where id = ${data.batchId}`;
    expect({ succeeded, failed }).toEqual({ succeeded: 800, failed: 200 });
    const [{ n }] = await ctx.sql`select count(*)::int as n from products where store_id = ${big.storeId} and price = 150 and special_price = 140 and version = 2`;
    expect(n).toBe(500);
    const [{ v }] = await ctx.sql`select count(*)::int as v from product_variants where store_id = ${big.storeId} and price = 70`;
    expect(v).toBe(300);
  });

  it('writes a product another writer updates while the chunk waits for its lock, once, on the new version', async () => {
    const [p] = simple.slice(900, 901);
    const [v] = variants.slice(500, 501);
    const rows = [
      { rowIndex: 0, payload: { target: 'product' as const, productId: p.id, variantId: null, specialPrice: 90 } },
      { rowIndex: 1, payload: { target: 'variant' as const, productId: v.product_id, variantId: v.id, specialPrice: 45 } },
    ];
    const outcomes = await whileUpdated(async (held) => {
      await held`update products set price = 95, version = version + 1 where store_id = ${big.storeId} and id = ${p.id}`;
      await held`update product_variants set price = 48 where store_id = ${big.storeId} and id = ${v.id}`;
    }, (tx) => processPrices(tx, context(), rows));
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [product] = await ctx.sql`select price::float8, special_price::float8, version from products where id = ${p.id}`;
    expect(product).toEqual({ price: 95, special_price: 90, version: 3 });
    const [variant] = await ctx.sql`select price::float8, special_price::float8 from product_variants where store_id = ${big.storeId} and id = ${v.id}`;
    expect(variant).toEqual({ price: 48, special_price: 45 });
  });
});

describe('bulk and PATCH product updates (writeProducts) in a big store on a marketplace\'s statistics', () => {
  const updates = (from: number, count: number, name: string) => simple.slice(from, from + count).map((p, k) => ({
    rowIndex: k, mode: 'update' as const, id: p.id, input: { name }, placement: { kind: 'product' as const, stock: 7 },
  }));

  it('writes a chunk of 100 products and their stock by key, not reading the store', async () => {
    const { read, result, checked } = await catalogEntriesRead((tx) => writeProducts(tx, big.storeId, updates(1000, 100, 'Renamed')), (tx) =>
      tx<{ n: number }[]>`select count(*)::int as n from products p join product_stock s on s.store_id = p.store_id and s.product_id = p.id
        where p.store_id = ${big.storeId} and p.name = 'Renamed' and s.stock = 7 and p.version = 2`.then(([r]) => r.n));
    expect(result.every((o) => o.ok)).toBe(true);
    expect(checked).toBe(100);
    // Measured: 400 entries (100 locks, 100 before images, 100 stocks read and 100 written); before
    // the change 4,201, the UPDATE hashing the store's 3,300 products.
    expect(read).toBeLessThan(1000);
  });

  it("says why 100 rows it may not write were refused, looking their products up by id, not reading the store", async () => {
    // Rows that require a product with variants, on simple products: none is written (OF_KIND).
    const rows = updates(1400, 100, 'Refused').map((r) => ({ ...r, requireVariants: true }));
    const { read, result } = await catalogEntriesRead((tx) => writeProducts(tx, big.storeId, rows));
    expect(result.map((o) => o.code)).toEqual(rows.map(() => 'PRD_005'));
    // Measured (PostgreSQL 18 and 15): 200 entries (100 locks, 100 products asked why); 3,400 before,
    // whyNotUpdated's join by the store and the ids reading the store's 3,300 products.
    expect(read).toBeLessThan(1000);
  });

  it('writes a product another writer updates while the chunk waits for its lock, once, on the new version', async () => {
    const [p] = simple.slice(1200, 1201);
    // Without a savepoint (as PATCH writes): the connection's transaction is not a postgres.js one.
    const outcomes = await whileUpdated((held) => held`update products set price = 95, version = version + 1 where store_id = ${big.storeId} and id = ${p.id}`,
      (tx) => writeProducts(tx, big.storeId, updates(1200, 1, 'Raced'), { savepoint: false }));
    expect(outcomes.map((o) => [o.ok, o.version])).toEqual([[true, 3]]);
    const [product] = await ctx.sql`select name, price::float8, version from products where id = ${p.id}`;
    expect(product).toEqual({ name: 'Raced', price: 95, version: 3 });
  });
});
