import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { lookupByKey, type KeyLookup } from '../../src/db/key-lookup.js';
import { writeProducts } from '../../src/catalog/product-writer.js';
import { deactivateOmittedVariants } from '../../src/catalog/variant-deactivation.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { readsWhile } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { seedBigStore, seedOneProductStores } from '../helpers/one-product-stores.js';

// A marketplace of one-product stores (5,000, half with a variant), analysed, then a store of 3,000
// products (600 with 3 variants) the statistics have not seen. ANALYZE counted a store per row:
// without 0111's floor the big store was estimated at one row or fewer, every index that starts
// with store_id looked as cheap as the key's, and each key's lookup read the store through one of
// them (bench/probe-one-product-stores.ts). Writing stock (write_stock_rows, writeProducts) and
// resolving issues read the big store's stock rows and open issues, unanalysed, once per call:
// before 0113, this session's product-writer.ts and 0112.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let store: string;
let ids: string[];
let variantIds: string[];
beforeAll(async () => {
  db = await scratchDatabase('omni_oneprod');
  sql = connect(db.url, 1);
  for (const t of ['products', 'product_variants']) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  await seedOneProductStores(sql, partner.partnerClientId);
  await sql`analyze stores, products, product_variants, product_stock`;
  store = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 0 })).storeId;
  ({ ids, variantIds } = await seedBigStore(sql, store));
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** The rows lookupByKey found and the entries of the table's indexes it read. */
async function lookup(q: Omit<KeyLookup, 'storeId' | 'columns'>) {
  const { result: rows, read } = await readsWhile(sql, q.table, (tx) => tx`${lookupByKey(tx, { ...q, storeId: store, columns: 'x.id' })}`);
  return { found: rows.length, read };
}

/** The stock of each of the big store's products `ids`, in their order. */
const stockOf = async (ids: string[]) => (await sql<{ stock: number }[]>`select s.stock from unnest(${ids}::uuid[]) with ordinality as k (id, n)
  join product_stock s on s.store_id = ${store} and s.product_id = k.id order by k.n`).map((r) => r.stock);

const every7th = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${i * 7 + 1}`);

it('looks 100 products up by id, SKU and externalId with one probe a key, not a read of the store', async () => {
  // Measured without 0111: 222,678, 203,869 and 203,869 entries (PostgreSQL 18 and 15).
  expect(await lookup({ table: 'products', key: 'id', values: ids.slice(0, 100) })).toEqual({ found: 100, read: 100 });
  expect(await lookup({ table: 'products', key: 'sku', values: every7th('S') })).toEqual({ found: 100, read: 100 });
  expect(await lookup({ table: 'products', key: 'external_id', values: every7th('e') })).toEqual({ found: 100, read: 100 });
});

it('looks 100 variants up by id with one probe a key (and one for "has the store any")', async () => {
  // Measured without 0111: 85,394 entries (PostgreSQL 18), ~86,000 (15; the variants are random).
  expect(await lookup({ table: 'product_variants', key: 'id', values: variantIds.slice(0, 100) })).toEqual({ found: 100, read: 101 });
});

it('writes 100 products\' stock with one product_stock probe a product, not a read of the store\'s', async () => {
  const simple = ids.filter((_, i) => (i + 1) % 5 !== 0).slice(0, 100);
  const { read } = await readsWhile(sql, 'product_stock', (tx) => tx`select write_stock_rows(${store}, 1,
    ${simple.map((_, i) => i)}::int[], ${simple}::uuid[], ${simple.map(() => null)}::uuid[], ${simple.map(() => null)}::uuid[],
    ${simple.map((_, i) => i + 1)}::int[])`);
  expect(await stockOf(simple)).toEqual(simple.map((_, i) => i + 1));
  // Measured without 0113: 3,000, the store's stock rows (PostgreSQL 18 and 15).
  expect(read).toBe(100);
});

it('updates 100 products with a stock each (a products/bulk chunk) with product_stock probes, not a read of the store\'s', async () => {
  const simple = ids.filter((_, i) => (i + 1) % 5 !== 0).slice(100, 200);
  const { result: outcomes, read } = await readsWhile(sql, 'product_stock', (tx) => writeProducts(tx, store,
    simple.map((id, rowIndex) => ({ rowIndex, mode: 'update' as const, id, input: { name: 'Renamed' },
      placement: { kind: 'product' as const, stock: 1000 + rowIndex }, renames: false }))));
  expect(outcomes.filter((o) => o.ok)).toHaveLength(100);
  expect(await stockOf(simple)).toEqual(simple.map((_, i) => 1000 + i));
  // Two probes a product, its stock before and its update: 202 on PostgreSQL 18, 200 on 15. Measured
  // with the update joined on the store alone (before this session): 3,100, the store's 3,000 rows.
  expect(read).toBeLessThan(300);
});

it('resolves 100 products\' fixed issues by their primary key, not by a read of the store\'s open issues', async () => {
  // Every product gets its open issues, the small stores' analysed, the big store's (9,000) not.
  await sql`select evaluate_quality(p.store_id, array_agg(p.id)) from products p where p.store_id <> ${store} group by p.store_id`;
  await sql`analyze validation_issues`;
  await sql`select evaluate_quality(${store}, ${ids}::uuid[], true)`;
  const fixed = ids.slice(0, 100);
  await sql`update products set description = 'Now described' where store_id = ${store} and id = any(${fixed}::uuid[])`;
  const { read } = await readsWhile(sql, 'validation_issues', (tx) => tx`select evaluate_quality(${store}, ${fixed}::uuid[])`);
  const [{ resolved, open }] = await sql<{ resolved: number; open: number }[]>`select
      count(*) filter (where resolved)::int as resolved, count(*) filter (where not resolved)::int as open
    from validation_issues where store_id = ${store} and product_id = any(${fixed}::uuid[]) and code = 'MISSING_DESCRIPTION'`;
  expect({ resolved, open }).toEqual({ resolved: 100, open: 0 });
  // Each product's open issues (3), one primary-key probe per issue resolved, the findings' upsert:
  // 800 (PostgreSQL 18 and 15), once 802 in a fresh-clone CI run (cause not traced; asserted
  // exactly, the test failed on it). Measured without 0112: 9,900, the store's open issues read once.
  expect(read).toBeLessThan(1000);
}, 60_000);

it('deactivates the variants 100 products\' rows omit with a probe a product, not a read of the store\'s variants', async () => {
  // 100 of the big store's products with variants, each row listing its 3 SKUs but the first
  // product's row only 2 (its "-1" variant omitted): a with-variants chunk's variant sets.
  const withVariants = await sql<{ pid: string; sku: string }[]>`select v.product_id as pid, v.sku from product_variants v
    where v.store_id = ${store} and v.product_id in (select product_id from product_variants where store_id = ${store} order by product_id limit 300)
    order by v.product_id, v.sku`;
  const first = withVariants[0].pid;
  const items = withVariants.filter((v) => !(v.pid === first && v.sku.endsWith('-1')));
  const { read } = await readsWhile(sql, 'product_variants', (tx) => deactivateOmittedVariants(tx, store, items));
  const inactive = await sql<{ sku: string }[]>`select sku from product_variants where store_id = ${store} and not is_active`;
  expect(inactive.map((v) => v.sku)).toEqual([withVariants.find((v) => v.pid === first && v.sku.endsWith('-1'))!.sku]);
  // A probe a product (its 3 variants) and one for the variant deactivated: 303 entries on PostgreSQL
  // 18, 305 on 15. Measured with the update joined on the store alone (before this session): 1,800,
  // the store's variants, on both.
  expect(read).toBeLessThan(400);
});
