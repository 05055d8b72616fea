import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, connectStatements, type Queryable, type Sql } from '../../src/db/database.js';
import { buildApp } from '../../src/http/app.js';
import { createProducts } from '../../src/catalog/product-inserts.js';
import { findUpdateClashes } from '../../src/catalog/key-clash.js';
import { indexEntriesRead, spreadStatisticsThin } from '../helpers/index-reads.js';
import { createTestStore, signedInject, testConfig, TEST_KEY_B64, type TestContext, type TestStore } from '../helpers/test-app.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

// A marketplace's statistics (2,000 small stores, analysed), then a big store the planner never
// saw: 3,000 products, every second one with 3 variants (4,500). Looked up by `store and (key =
// any(..) or key = any(..))`, such a store is estimated at a few rows, and each of these checks
// read every entry of one of its indexes in both tables (3,000 and 4,500) whatever the keys.
// The app runs on one connection of each pool, so that the index entries a request's statements
// read can be counted (flushed by the connection that read them).
let ctx: TestContext;
let sql: Sql;
let statements: Sql;
let store: TestStore;
beforeAll(async () => {
  const url = testDatabaseUrl();
  sql = connect(url, 1);
  statements = connectStatements(url, 1);
  const deps = { sql, statements, config: testConfig(), encryptionKey: Buffer.from(TEST_KEY_B64, 'base64') };
  const app = await buildApp(deps, { logger: false });
  await app.ready();
  ctx = { app, sql, deps, async close() { await app.close(); await Promise.all([sql.end(), statements.end()]); } };
  for (const table of ['products', 'product_variants']) await sql.unsafe(`alter table ${table} set (autovacuum_enabled = false)`);
  store = await createTestStore(ctx, 0);
  await spreadStatisticsThin(sql, store.partnerClientId);
  await sql`insert into products (store_id, external_id, sku, name, price, has_variants)
    select ${store.storeId}, 'e' || i, case when i % 2 = 1 then 'S' || i end, 'n', 10, i % 2 = 0 from generate_series(1, 3000) i`;
  await sql`insert into product_variants (store_id, product_id, external_id, sku, options, price)
    select p.store_id, p.id, p.external_id || '-v' || j, 'V' || p.external_id || '-' || j, jsonb_build_object('Size', j::text), 10
    from products p, generate_series(1, 3) j where p.store_id = ${store.storeId} and p.has_variants`;
}, 60_000);
afterAll(async () => {
  await ctx.close();
});

/** Entries of the products' and the variants' indexes read by the app's connections so far. */
async function appReads() {
  await sql`select pg_stat_force_next_flush()`;
  await statements`select pg_stat_force_next_flush()`;
  await sql`select pg_stat_clear_snapshot()`;
  const [r] = await sql<{ products: number; variants: number }[]>`select
    coalesce(sum(idx_tup_read) filter (where relname = 'products'), 0)::int as products,
    coalesce(sum(idx_tup_read) filter (where relname = 'product_variants'), 0)::int as variants
    from pg_stat_user_indexes where relname in ('products', 'product_variants')`;
  return r;
}

/** The response to a request, and the entries of the products' and the variants' indexes it read. */
async function requestReads(opts: Parameters<typeof signedInject>[2]) {
  const before = await appReads();
  const res = await signedInject(ctx, store, opts);
  const after = await appReads();
  return { res, products: after.products - before.products, variants: after.variants - before.variants };
}

/** What `run` returns, and the entries of the products' and the variants' indexes its statements read. */
async function reads<T>(run: (tx: Queryable) => Promise<T>) {
  let result!: T;
  const counts = await sql.begin(async (tx) => {
    const before = [await indexEntriesRead(tx, 'products'), await indexEntriesRead(tx, 'product_variants')];
    result = await run(tx);
    return { products: (await indexEntriesRead(tx, 'products')) - before[0], variants: (await indexEntriesRead(tx, 'product_variants')) - before[1] };
  });
  return { result, ...counts };
}

const variantProducts = Array.from({ length: 100 }, (_, k) => 2 * (k + 1)); // e2, e4, .. e200: each with 3 variants

it("with-variants bulk accept: 100 rows of 3 variants read their keys' entries, not the store's", async () => {
  const ids = new Map((await sql<{ id: string; external_id: string }[]>`select id, external_id from products
    where store_id = ${store.storeId} and external_id = any(${variantProducts.map((i) => `e${i}`)})`).map((r) => [r.external_id, r.id]));
  const rows: Record<string, unknown>[] = variantProducts.map((i) => ({
    id: ids.get(`e${i}`), externalId: `e${i}`, name: 'renamed',
    variants: { items: [1, 2, 3].map((j) => ({ sku: `Ve${i}-${j}`, externalId: `e${i}-v${j}`, options: { Size: String(j) }, price: 12 })) },
  }));
  rows.push({ externalId: 'e3', name: 'taken', variants: { items: [{ sku: 'new-sku', externalId: 'new-v', options: { Size: '1' }, price: 12 }] } });
  rows.push({ externalId: 'new', name: 'taken sku', variants: { items: [{ sku: 'Ve202-1', externalId: 'new-v2', options: { Size: '1' }, price: 12 }] } });
  const { res, products, variants } = await requestReads({ method: 'POST', url: '/api/v1/partner/stores/products/with-variants/bulk', body: { products: rows } });
  expect(res.statusCode).toBe(200);
  expect(res.json().data.summary).toEqual({ total: 102, failed: 2, pending: 100 });
  expect(res.json().data.errors.map((e: any) => [e.rowIndex, e.code])).toEqual([[100, 'PRD_002'], [101, 'PRD_003']]);
  // 200 products (by externalId and by id), 600 variants (by SKU and by externalId) and a few more.
  expect(products).toBeLessThan(1000); // 3,000 without one lookup per key
  expect(variants).toBeLessThan(1000); // 4,500 without
}, 60_000);

it("PATCH with a variant set checks its items' keys reading their entries, not the store's", async () => {
  const [{ id: productId }] = await sql<{ id: string }[]>`select id from products where store_id = ${store.storeId} and external_id = 'e2'`;
  const patch = (items: { sku: string; externalId: string }[]) => requestReads({ method: 'PATCH', url: `/api/v1/partner/stores/products/${productId}`,
    body: { variants: { items: items.map((i) => ({ ...i, options: { Size: i.sku }, price: 12 })) } } });
  // The product's 3 variants and 96 new ones (a set holds at most 100).
  const items = [...[1, 2, 3].map((j) => ({ sku: `Ve2-${j}`, externalId: `e2-v${j}` })),
    ...Array.from({ length: 96 }, (_, k) => ({ sku: `Ve2-new-${k}`, externalId: `e2-new-${k}` }))];
  // Refused (before the PATCH takes its lock, variant-set-precheck.ts): keys another product's
  // variant or a product holds. Nothing is written.
  for (const [item, code] of [[{ sku: 'Ve4-1', externalId: 'x-1' }, 'PRD_003'], [{ sku: 'S1', externalId: 'x-1' }, 'PRD_003'],
    [{ sku: 'x-1', externalId: 'e4-v1' }, 'PRD_002'], [{ sku: 'x-1', externalId: 'e3' }, 'PRD_002']] as const) {
    const refused = await patch([...items, item]);
    expect(refused.res.json().error?.code).toBe(code);
    expect(refused.products).toBeLessThan(100); // 3,000 without one lookup per key
    expect(refused.variants).toBeLessThan(100); // 4,500 without
  }
  // Written: the set's writes (variant-set.ts) find the product's variants by the product.
  const written = await patch(items);
  expect(written.res.statusCode).toBe(200);
  expect(written.variants).toBeLessThan(1000); // 4,925 when its updates joined the variants on the store and id alone
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from product_variants where product_id = ${productId}`;
  expect(n).toBe(99);
}, 60_000);

// The worker's chunk of new products that lost a race to another writer (called directly: the
// keys the store already holds stand in for the other writer's rows).
it("new products that lost a race read their keys' entries to say which key they hit, not the store's", async () => {
  // 50 rows whose externalId a product or a variant holds, 50 whose SKU one holds: none is inserted.
  const input = (k: number) => (k < 50
    ? { externalId: k % 2 ? `e${k + 1}` : `e${k + 2}-v1`, sku: `fresh-${k}`, name: 'n', price: 10 }
    : { externalId: `fresh-${k}`, sku: k % 2 ? `S${k}` : `Ve${k}-1`, name: 'n', price: 10 });
  const creates = Array.from({ length: 100 }, (_, k) => ({ rowIndex: k, mode: 'create' as const, input: input(k), placement: { kind: 'none' as const } }));
  const { result, products, variants } = await reads((tx) => createProducts(tx as any, store.storeId, creates, {}));
  expect([...result.values()].map((o) => [o.rowIndex, o.ok, o.code])).toEqual(
    creates.map((r) => [r.rowIndex, false, r.rowIndex < 50 ? 'PRD_002' : 'PRD_003']));
  expect(products).toBeLessThan(1000); // 3,000 without one lookup per key
  expect(variants).toBeLessThan(1000); // 4,500 without
}, 60_000);

// Bulk updates whose UPDATE failed on a unique key (product-writer.ts, called directly): which
// rows want a key another product or a variant holds.
it("the keys a failed bulk update's rows want are probed row by row, not by reading the store's variants", async () => {
  const products = await sql<{ id: string; external_id: string }[]>`select id, external_id from products
    where store_id = ${store.storeId} and not has_variants order by external_id limit 100`;
  // The last two rows want a variant's SKU and another product's externalId; the others free keys.
  const rows = products.map((p, i) => ({ i, id: p.id, x: { external_id: `free-${i}`, sku: `FREE-${i}` } as Record<string, unknown> }));
  rows[98].x.sku = 'Ve4-1';
  rows[99].x.external_id = 'e4';
  const { result, products: productReads, variants } = await reads((tx) => findUpdateClashes(tx, store.storeId, rows));
  expect([...result.entries()]).toEqual([[98, 'PRD_003'], [99, 'PRD_002']]);
  expect(productReads).toBeLessThan(1000); // 3,000 in the store
  expect(variants).toBeLessThan(1000); // 4,500 without a probe per row (a hashed subplan of the store's variants)
}, 60_000);
