/**
 * Key lookups in a big store of a marketplace of one-product stores: does `lookupByKey` read the
 * store once per key? SMALL_STORES (20,000) stores of one product each (distinct keys, half with a
 * variant), analysed, then a store of BIG (3,000) products (a fifth of them with 3 variants); 100
 * keys of the big store looked up by id, SKU and externalId, and its variants by id, printing the
 * index entries each lookup read (100 when each key is one probe). ANALYZE_AFTER=1: analysed again
 * once the big store is in. FLOOR=-0.05: `alter column store_id set (n_distinct = FLOOR)` on products
 * and product_variants before the ANALYZE (the candidate fix, docs/performance.md, "The
 * twenty-seventh session"). Each lookup also prints its plan's scan lines with EXPLAIN=1. ISSUES=1:
 * every product gets its open issues (evaluate_quality), and evaluate_quality of 100 of the big
 * store's products prints the index entries it read in validation_issues, products and
 * product_variants (ISSUES_FLOOR: an n_distinct for validation_issues.store_id; with EXPLAIN=1, its
 * statements' plans first, from auto_explain). STOCK=1: write_stock_rows of 100 of its products and a
 * writeProducts chunk of 100 updates with stock print the product_stock index entries they read.
 * Run: node bin/run-ts.js bench/probe-one-product-stores.ts (DATABASE_URL: an empty database to migrate).
 */
import postgres from 'postgres';
import { lookupByKey } from '../src/db/key-lookup.js';
import { writeProducts } from '../src/catalog/product-writer.js';
import { splitSocketHost } from '../src/db/database.js';
import { openProbeStore } from './lib/probe-database.js';
import { indexEntriesRead } from '../test/helpers/index-reads.js';
import { bigStoreExternalId, seedBigStore, seedOneProductStores } from '../test/helpers/one-product-stores.js';

const SMALL_STORES = Number(process.env.SMALL_STORES ?? 20000);
const BIG = Number(process.env.BIG ?? 3000);
const FLOOR = process.env.FLOOR;
/** SAME_KEYS=1: every small store's product has the externalId and SKU "1" (an ERP's row number), its variant "v1". */
const SAME_KEYS = process.env.SAME_KEYS === '1';

const probe = await openProbeStore(0);
const { sql, partner, storeId } = probe;
try {
  await seedOneProductStores(sql, partner.partnerClientId, { stores: SMALL_STORES, sameKeys: SAME_KEYS });
  if (FLOOR) for (const t of ['products', 'product_variants']) await sql.unsafe(`alter table ${t} alter column store_id set (n_distinct = ${Number(FLOOR)})`);
  if (process.env.ISSUES_FLOOR) await sql.unsafe(`alter table validation_issues alter column store_id set (n_distinct = ${Number(process.env.ISSUES_FLOOR)})`);
  await sql`analyze stores, products, product_variants`;
  if (process.env.STOCK === '1') await sql`analyze product_stock`;
  const { ids, variantIds } = await seedBigStore(sql, storeId, { products: BIG, long: SAME_KEYS });
  if (process.env.ISSUES === '1') {
    // Every product's open issues (no description, no photos, a low score), the small stores' analysed first.
    await sql`select evaluate_quality(p.store_id, array_agg(p.id)) from products p where p.store_id <> ${storeId} group by p.store_id`;
    await sql`analyze validation_issues`;
    await sql`select evaluate_quality(${storeId}, ${ids}::uuid[], true)`;
  }
  if (process.env.ANALYZE_AFTER === '1') await sql`analyze stores, products, product_variants, validation_issues`;
  const [stat] = await sql`select n_distinct from pg_stats where tablename = 'products' and attname = 'store_id'`;
  console.log(`${SMALL_STORES} one-product stores, a store of ${BIG}; products.store_id n_distinct ${stat?.n_distinct ?? '(not analysed)'}`);

  const some = (n: number) => Array.from({ length: 100 }, (_, i) => i * 7 + n);
  const cases = [
    { name: 'products by id', table: 'products' as const, key: 'id' as const, values: ids.slice(0, 100) },
    { name: 'products by sku', table: 'products' as const, key: 'sku' as const, values: some(1).map((i) => `S${i}`) },
    { name: 'products by externalId', table: 'products' as const, key: 'external_id' as const, values: some(1).map((i) => bigStoreExternalId(i, SAME_KEYS)) },
    { name: 'variants by id', table: 'product_variants' as const, key: 'id' as const, values: variantIds.slice(0, 100) },
  ];
  for (const c of cases) {
    await sql.begin(async (tx) => {
      const query = lookupByKey(tx, { table: c.table, key: c.key, storeId, values: c.values, columns: c.table === 'products' ? 'x.id, x.external_id, x.sku, x.has_variants, x.special_price::float8' : 'x.id' });
      if (process.env.EXPLAIN === '1') {
        const plan = await tx<{ 'QUERY PLAN': string }[]>`explain ${query}`;
        console.log(plan.map((r) => r['QUERY PLAN']).filter((l) => /Scan|Cond|Filter/.test(l)).join('\n'));
      }
      const before = await indexEntriesRead(tx, c.table);
      const rows = await tx`${query}`;
      console.log(`${c.name}: ${rows.length} found, ${(await indexEntriesRead(tx, c.table)) - before} index entries read`);
    });
  }
  if (process.env.STOCK === '1') {
    // write_stock_rows of 100 of the big store's products (product-level stock, the store has no
    // warehouses), product_stock analysed with the small stores' rows only.
    await sql.begin(async (tx) => {
      const before = await indexEntriesRead(tx, 'product_stock');
      const some = ids.filter((_, i) => (i + 1) % 5 !== 0).slice(0, 100);
      await tx`select write_stock_rows(${storeId}, 1, ${some.map((_, i) => i)}::int[], ${some}::uuid[],
        ${some.map(() => null)}::uuid[], ${some.map(() => null)}::uuid[], ${some.map(() => 7)}::int[])`;
      console.log(`write_stock_rows of 100 products: ${(await indexEntriesRead(tx, 'product_stock')) - before} product_stock index entries read`);
    });
    // A products/bulk chunk of 100 updates with a stock each (writeProducts).
    await sql.begin(async (tx) => {
      const before = await indexEntriesRead(tx, 'product_stock');
      const some = ids.filter((_, i) => (i + 1) % 5 !== 0).slice(100, 200);
      await writeProducts(tx, storeId, some.map((id, rowIndex) => ({ rowIndex, mode: 'update' as const, id, input: { name: 'Renamed' },
        placement: { kind: 'product' as const, stock: 9 }, renames: false })));
      console.log(`writeProducts of 100 updates with stock: ${(await indexEntriesRead(tx, 'product_stock')) - before} product_stock index entries read`);
    });
  }
  if (process.env.ISSUES === '1') {
    // evaluate_quality of 100 existing products (its generic plan, the store a parameter): each
    // product's open issues are looked up by (store, product) (0108).
    await sql.begin(async (tx) => {
      const tables = ['validation_issues', 'products', 'product_variants'];
      const before = await Promise.all(tables.map((t) => indexEntriesRead(tx, t)));
      if (process.env.EXPLAIN === '1') {
        // Its plans, statement by statement (auto_explain), on a connection that prints notices, in
        // a transaction rolled back (`explained` thrown): the call below finds the same rows.
        const { url, host } = splitSocketHost(probe.url);
        const explained = new Error('explained');
        const raw = postgres(url, { ...(host ? { host } : {}), max: 1, onnotice: (n) => console.log(n.message) });
        await raw.begin(async (t) => {
          await t`load 'auto_explain'`;
          await t`select set_config('auto_explain.log_min_duration', '0', true), set_config('auto_explain.log_nested_statements', 'on', true),
            set_config('auto_explain.log_analyze', 'on', true), set_config('client_min_messages', 'log', true)`;
          await t`select evaluate_quality(${storeId}, ${ids.slice(0, 100)}::uuid[])`;
          throw explained;
        }).catch((e) => { if (e !== explained) throw e; });
        await raw.end();
      }
      await tx`select evaluate_quality(${storeId}, ${ids.slice(0, 100)}::uuid[])`;
      const after = await Promise.all(tables.map((t) => indexEntriesRead(tx, t)));
      console.log(`evaluate_quality of 100 products: index entries read ${tables.map((t, i) => `${t} ${after[i] - before[i]}`).join(', ')}`);
    });
  }
} finally {
  await probe.close();
}
