import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Queryable, type Sql, type Transaction } from '../../src/db/database.js';
import { lookupByKey } from '../../src/db/key-lookup.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A few big stores, analysed: `first` (3,000 products with a variant each), then `second` (2,000
// of them), then `plain` (3,000 simple products). "Does the store have any products with variants
// (or variants)?" is a probe for one row. Where the statistics give the store many such rows, a
// sequential scan that stops at the first looks cheapest; but a store's rows lie together, and
// the scan reads every row before them, or the whole table when the store has none. Each probe
// below reads by an index instead (0110, key-lookup.ts).
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let second: string;
let plain: string;
beforeAll(async () => {
  db = await scratchDatabase('omni_probes');
  sql = connect(db.url, 1);
  for (const t of ['products', 'product_variants']) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  const store = async (name: string) => (await createStore(sql, { partnerClientId: partner.partnerClientId, name, warehouses: 0 })).storeId;
  const first = await store('first');
  second = await store('second');
  plain = await store('plain');
  for (const [s, n] of [[first, 3000], [second, 2000]] as const) {
    await sql`insert into products (store_id, external_id, name, has_variants) select ${s}, 'p' || i, 'Product', true from generate_series(1, ${n}::int) i`;
    await sql`insert into product_variants (store_id, product_id, external_id, sku, options, price)
      select p.store_id, p.id, p.external_id || '-v', 'V-' || p.external_id, '{"Size":"M"}', 10 from products p where p.store_id = ${s}`;
  }
  await sql`insert into products (store_id, external_id, sku, name, price) select ${plain}, 'p' || i, 'P' || i, 'Product', 10 from generate_series(1, 3000) i`;
  await sql`analyze products, product_variants`;
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** The rows of `table` that sequential scans read while `work` ran, in a transaction rolled back. */
async function scanned(table: string, work: (tx: Transaction) => Promise<unknown>) {
  const seq = (tx: Queryable) => tx<{ n: number }[]>`select pg_stat_get_xact_tuples_returned(${table}::regclass)::int as n`.then(([r]) => r.n);
  let rows = -1;
  await sql.begin(async (tx) => {
    const before = await seq(tx);
    await work(tx);
    rows = (await seq(tx)) - before;
    throw new RolledBack();
  }).catch((e) => { if (!(e instanceof RolledBack)) throw e; });
  return rows;
}
class RolledBack extends Error {}

const firstIds = (store: string, n: number) => sql<{ id: string }[]>`select id from products where store_id = ${store} order by external_id limit ${n}`
  .then((rows) => rows.map((r) => r.id));

it("a stock chunk of a store without products with variants does not scan the others' products (write_stock_rows)", async () => {
  const [id] = await firstIds(plain, 1);
  const rows = await scanned('products', (tx) => tx`select write_stock_rows(${plain}, 1, array[0], array[${id}]::uuid[], array[null]::uuid[], array[null]::uuid[], array[5])`);
  // Measured before 0110: 8,000 rows (the table), the probe a sequential scan that never matched.
  expect(rows).toBe(0);
});

it("looking up variants by SKU probes the store's variants by an index, not a scan that reads the stores before it (lookupByKey)", async () => {
  const rows = await scanned('product_variants', (tx) => tx`${lookupByKey(tx, { table: 'product_variants', key: 'sku', storeId: second, values: ['V-p1', 'V-p2'], columns: 'x.id' })}`);
  // Measured before: 3,000 rows (the first store's variants).
  expect(rows).toBe(0);
});

it("evaluating a store's products probes its variants by an index, not a scan that reads the stores before it (evaluate_quality)", async () => {
  const ids = await firstIds(second, 10);
  const rows = await scanned('product_variants', (tx) => tx`select evaluate_quality(${second}, ${ids}::uuid[])`);
  // Measured before 0110: 3,000 rows (the first store's variants).
  expect(rows).toBe(0);
});
