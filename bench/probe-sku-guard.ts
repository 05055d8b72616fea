/**
 * The cost of 0085's SKU triggers (a SKU unique per store across products and variants) on
 * the writes they guard, each measured against the same write with the trigger disabled, in
 * alternating chunks of one growing store: 1,000 new products by writeProducts (the catalog
 * import's statement) in a store without variants and in one with variants, and 1,000 new
 * variants in a statement. Prints the medians of the chunks' times and the trigger
 * functions' own time (pg_stat_user_functions). Run: node bin/run-ts.js bench/probe-sku-guard.ts
 * (DATABASE_URL: a database to migrate; without it, an embedded PostgreSQL). CHUNKS=<n> a side.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Sql } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { createPartner } from '../src/partners/partners.js';
import { createStore } from '../src/stores/stores.js';
import { writeProducts } from '../src/catalog/product-writer.js';
import { openProbeDatabase } from './lib/probe-database.js';

const CHUNKS = Number(process.env.CHUNKS ?? 25);
const ROWS = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function functionMs(sql: Sql, name: string) {
  // One connection (the writes' backend): its pending statistics go out at its next commit.
  await sql`select pg_stat_force_next_flush()`;
  await sql`select 1`;
  await sql`select pg_stat_clear_snapshot()`;
  const [f] = await sql<{ self: number }[]>`select coalesce(sum(self_time), 0)::float8 as self from pg_stat_user_functions where funcname = ${name}`;
  return f.self;
}

/**
 * Lets the session switch the trigger function off (probe.skip_sku_guard): ALTER TABLE ..
 * DISABLE TRIGGER would drop every cached plan of the table's statements each time, and
 * the chunks after it would pay for planning them again.
 */
async function addSwitch(sql: Sql, fn: string) {
  const [{ def }] = await sql<{ def: string }[]>`select pg_get_functiondef(${fn}::regproc) as def`;
  await sql.unsafe(def.replace(/\nbegin\n/, "\nbegin\n  if current_setting('probe.skip_sku_guard', true) = 'on' then return null; end if;\n"));
}

/** Times `write` CHUNKS times with the trigger and as often without, alternating, each in its own transaction. */
async function alternate(sql: Sql, fn: string, write: (n: number) => Promise<void>) {
  await addSwitch(sql, fn);
  const times = { on: [] as number[], off: [] as number[] };
  const before = await functionMs(sql, fn);
  for (let n = 0; n < 2 * CHUNKS; n++) {
    const on = n % 4 === 0 || n % 4 === 3;
    await sql`select set_config('probe.skip_sku_guard', ${on ? 'off' : 'on'}, false)`;
    const t = performance.now();
    await write(n);
    times[on ? 'on' : 'off'].push(performance.now() - t);
  }
  await sql`select set_config('probe.skip_sku_guard', 'off', false)`;
  const triggerMs = (await functionMs(sql, fn)) - before;
  const [on, off] = [median(times.on), median(times.off)];
  return `with ${on.toFixed(1)} ms, without ${off.toFixed(1)} ms (medians of ${CHUNKS}: ${((on / off - 1) * 100).toFixed(1)}%); `
    + `the trigger function's own time ${(triggerMs / CHUNKS).toFixed(2)} ms a chunk (${((triggerMs / CHUNKS / off) * 100).toFixed(1)}%)`;
}

/**
 * The time EXPLAIN ANALYZE gives each trigger of `statement` (after `before`, in the same
 * transaction, rolled back: the table stays as it was), medians of `reps` runs.
 */
async function triggerTimes(sql: Sql, before: string, statement: string, reps = 15) {
  const byTrigger = new Map<string, number[]>();
  const total: number[] = [];
  for (let i = 0; i < reps; i++) {
    await sql.begin(async (tx) => {
      if (before) await tx.unsafe(before);
      const [row] = await tx.unsafe(`explain (analyze, format json) ${statement}`);
      const plan = (row as any)['QUERY PLAN'][0];
      total.push(plan['Execution Time']);
      for (const t of plan.Triggers ?? []) byTrigger.set(t['Trigger Name'], [...(byTrigger.get(t['Trigger Name']) ?? []), t.Time]);
      throw new Error('rollback');
    }).catch((e) => { if (e.message !== 'rollback') throw e; });
  }
  return `statement ${median(total).toFixed(1)} ms; triggers ${[...byTrigger].map(([name, t]) => `${name} ${median(t).toFixed(2)} ms`).join(', ')}`;
}

const db = await openProbeDatabase();
const url = db.url;
const sql = connect(url, 1, { track_functions: 'pl' });
try {
  await migrate(sql, url);
  const partner = await createPartner(sql, randomBytes(32), { name: 'Probe' });
  const newStore = async () => (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'S', warehouses: 0 })).storeId;
  const products = (storeId: string, n: number) => sql.begin((tx) => writeProducts(tx, storeId, Array.from({ length: ROWS }, (_, i) => ({
    rowIndex: i, mode: 'create' as const, placement: { kind: 'product' as const, stock: 5 },
    input: { externalId: `e-${n}-${i}`, sku: `S-${n}-${i}`, name: `Product ${n}-${i}`, price: 1000, description: 'A product of the probe', photos: ['https://example.com/a.jpg'] },
  })))).then(() => undefined);

  const simpleStore = await newStore();
  console.log('1,000 products, store without variants:', await alternate(sql, 'products_skus_not_variants', (n) => products(simpleStore, n)));

  const mixedStore = await newStore();
  const [parent] = await sql`insert into products (store_id, external_id, name, has_variants) values (${mixedStore}, 'parent', 'P', true) returning id`;
  await sql`insert into product_variants (store_id, product_id, sku) select ${mixedStore}, ${parent.id}, 'V-' || g from generate_series(1, 3000) g`;
  console.log('1,000 products, store with 3,000 variants:', await alternate(sql, 'products_skus_not_variants', (n) => products(mixedStore, n)));

  const variantStore = await newStore();
  await products(variantStore, -1);
  console.log('1,000 variants of 1,000 new products, store with 1,000 products:', await alternate(sql, 'product_variants_skus_not_products', (n) => sql.begin(async (tx) => {
    const ids = await tx<{ id: string }[]>`insert into products (store_id, external_id, name, has_variants)
      select ${variantStore}, 'vp-' || ${n} || '-' || g, 'VP', true from generate_series(1, ${ROWS}) g returning id`;
    await tx`insert into product_variants (store_id, product_id, sku)
      select ${variantStore}, p.id, 'V-' || ${n} || '-' || p.o from unnest(${ids.map((r) => r.id)}::uuid[]) with ordinality as p (id, o)`;
  }).then(() => undefined)));

  // The same, by EXPLAIN ANALYZE of plain INSERT .. SELECT statements (not the import's own).
  const newProducts = (store: string) => `insert into products (store_id, external_id, sku, name, price, description)
    select '${store}', 'x-' || g, 'X-' || g, 'Product', 1000, 'A product of the probe' from generate_series(1, ${ROWS}) g`;
  console.log('EXPLAIN, 1,000 products, store without variants:', await triggerTimes(sql, '', newProducts(simpleStore)));
  console.log('EXPLAIN, 1,000 products, store with 3,000 variants:', await triggerTimes(sql, '', newProducts(mixedStore)));
  console.log('EXPLAIN, 1,000 variants:', await triggerTimes(sql,
    `insert into products (store_id, external_id, name, has_variants) select '${variantStore}', 'xp-' || g, 'XP', true from generate_series(1, ${ROWS}) g`,
    `insert into product_variants (store_id, product_id, sku) select p.store_id, p.id, 'XV-' || p.external_id from products p
      where p.store_id = '${variantStore}' and p.external_id like 'xp-%'`));
} finally {
  await sql.end();
  await db.close();
}
