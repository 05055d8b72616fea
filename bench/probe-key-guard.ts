/**
 * The cost of the key triggers (0085, 0090: a SKU and an externalId unique per store across
 * products and variants) on the writes they guard, each measured against the same write with
 * the triggers switched off, in alternating chunks of one growing store: 1,000 new products by
 * writeProducts (the catalog import's statement) in a store without variants and in one with
 * variants, and 1,000 new products with variants and their 1,000 variants (with externalIds),
 * a statement each. Prints the medians of the chunks' times and the trigger functions' own
 * time (pg_stat_user_functions); then the same with the checks split into two triggers a
 * table (a SKU's, an externalId's), the design 0090 did not take. Run: node bin/run-ts.js
 * bench/probe-key-guard.ts (DATABASE_URL: a database to migrate; without it, an embedded
 * PostgreSQL). CHUNKS=<n> a side.
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

/** The own time of the trigger functions `names` so far, in ms. */
async function functionMs(sql: Sql, names: string[]) {
  // One connection (the writes' backend): its pending statistics go out at its next commit.
  await sql`select pg_stat_force_next_flush()`;
  await sql`select 1`;
  await sql`select pg_stat_clear_snapshot()`;
  const [f] = await sql<{ self: number }[]>`select coalesce(sum(self_time), 0)::float8 as self from pg_stat_user_functions where funcname = any(${names})`;
  return f.self;
}

/**
 * Lets the session switch the trigger function off (probe.skip_key_guard): ALTER TABLE ..
 * DISABLE TRIGGER would drop every cached plan of the table's statements each time, and
 * the chunks after it would pay for planning them again.
 */
async function addSwitch(sql: Sql, fn: string) {
  const [{ def }] = await sql<{ def: string }[]>`select pg_get_functiondef(${fn}::regproc) as def`;
  const switched = def.replace(/\n\s*begin\n/, "\nbegin\n  if current_setting('probe.skip_key_guard', true) = 'on' then return null; end if;\n");
  if (switched === def) throw new Error(`${fn}: no line "begin" to put the switch after`);
  await sql.unsafe(switched);
}

/** Times `write` CHUNKS times with the triggers `fns` and as often without, alternating, each in its own transaction. */
async function alternate(sql: Sql, fns: string[], write: (n: number) => Promise<void>) {
  for (const fn of fns) await addSwitch(sql, fn);
  const times = { on: [] as number[], off: [] as number[] };
  const before = await functionMs(sql, fns);
  for (let n = 0; n < 2 * CHUNKS; n++) {
    const on = n % 4 === 0 || n % 4 === 3;
    await sql`select set_config('probe.skip_key_guard', ${on ? 'off' : 'on'}, false)`;
    const t = performance.now();
    await write(n);
    times[on ? 'on' : 'off'].push(performance.now() - t);
  }
  await sql`select set_config('probe.skip_key_guard', 'off', false)`;
  const triggerMs = (await functionMs(sql, fns)) - before;
  const [on, off] = [median(times.on), median(times.off)];
  return `with ${on.toFixed(1)} ms, without ${off.toFixed(1)} ms (medians of ${CHUNKS}: ${((on / off - 1) * 100).toFixed(1)}%); `
    + `the trigger functions' own time ${(triggerMs / CHUNKS).toFixed(2)} ms a chunk (${((triggerMs / CHUNKS / off) * 100).toFixed(1)}%)`;
}

/**
 * The design 0090 did not take: a trigger a key and table, each with its own lock and (for
 * products) its own probe for a variant of the store, instead of one checking both keys.
 * Returns the new functions' names; the one-trigger functions' triggers are disabled.
 */
async function splitIntoTwoTriggers(sql: Sql) {
  const made: Record<'products' | 'product_variants', string[]> = { products: [], product_variants: [] };
  for (const [table, other, lock] of [['products', 'product_variants', 'pg_advisory_xact_lock_shared'], ['product_variants', 'products', 'pg_advisory_xact_lock']] as const) {
    for (const column of ['sku', 'external_id']) {
      const name = `probe_${table}_${column}s_not_${other}`;
      const anyVariant = table === 'products' ? `if not exists (select 1 from unnest(stores) s
          cross join lateral (select 1 from product_variants z where z.store_id = s order by z.product_id limit 1) z) then return null; end if;` : '';
      await sql.unsafe(`create function ${name}() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
        declare stores uuid[]; taken text;
        begin
          select array_agg(distinct store_id order by store_id) into stores from new_rows where ${column} is not null;
          if stores is null then return null; end if;
          perform ${lock}(store_keys_lock_space(), hashtext(s::text)) from unnest(stores) s;
          ${anyVariant}
          select n.${column} into taken from new_rows n
          join lateral (select 1 from ${other} o where o.store_id = n.store_id and o.${column} = n.${column} limit 1) o on true limit 1;
          if taken is not null then perform refuse_key_of_other_table('${table}', '${column}', taken); end if;
          return null;
        end $$`);
      await sql.unsafe(`create trigger ${name} after insert on ${table} referencing new table as new_rows for each statement execute function ${name}()`);
      made[table].push(name);
    }
  }
  await sql`alter table products disable trigger products_skus_external_ids_not_variants`;
  await sql`alter table product_variants disable trigger product_variants_skus_external_ids_not_products`;
  return made;
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

  const variants = (store: string) => (n: number) => sql.begin(async (tx) => {
    const ids = await tx<{ id: string }[]>`insert into products (store_id, external_id, name, has_variants)
      select ${store}, 'vp-' || ${n} || '-' || g, 'VP', true from generate_series(1, ${ROWS}) g returning id`;
    await tx`insert into product_variants (store_id, product_id, sku, external_id)
      select ${store}, p.id, 'V-' || ${n} || '-' || p.o, 've-' || ${n} || '-' || p.o from unnest(${ids.map((r) => r.id)}::uuid[]) with ordinality as p (id, o)`;
  }).then(() => undefined);
  /** Three stores: without variants, with 3,000 variants, and one for variants' chunks (with 1,000 products). */
  const stores = async () => {
    const [simple, mixed, forVariants] = [await newStore(), await newStore(), await newStore()];
    const [parent] = await sql`insert into products (store_id, external_id, name, has_variants) values (${mixed}, 'parent', 'P', true) returning id`;
    await sql`insert into product_variants (store_id, product_id, sku, external_id) select ${mixed}, ${parent.id}, 'V-' || g, 'VE-' || g from generate_series(1, 3000) g`;
    await products(forVariants, -1);
    // As a batch's chunks do (analyzeGrownTables): the triggers' generic plans, made at their first
    // run, were otherwise made on the statistics of the tables as migrated, nearly empty, and read
    // a whole store for each key (0077's check of the variants' products: ~1 s a chunk).
    await sql`analyze products, product_variants`;
    return { simple, mixed, forVariants };
  };
  const measure = async (design: string, fns: Record<'products' | 'product_variants', string[]>) => {
    const s = await stores();
    console.log(`${design}, 1,000 products, store without variants:`, await alternate(sql, fns.products, (n) => products(s.simple, n)));
    console.log(`${design}, 1,000 products, store with 3,000 variants:`, await alternate(sql, fns.products, (n) => products(s.mixed, n)));
    // The products' triggers too: the new products with variants hold externalIds (0090).
    console.log(`${design}, 1,000 products with variants and their 1,000 variants, store with 1,000 products:`,
      await alternate(sql, [...fns.products, ...fns.product_variants], variants(s.forVariants)));
    return s;
  };

  const s = await measure('One trigger a table', { products: ['products_skus_external_ids_not_variants'], product_variants: ['product_variants_skus_external_ids_not_products'] });
  // The same, by EXPLAIN ANALYZE of plain INSERT .. SELECT statements (not the import's own).
  const newProducts = (store: string) => `insert into products (store_id, external_id, sku, name, price, description)
    select '${store}', 'x-' || g, 'X-' || g, 'Product', 1000, 'A product of the probe' from generate_series(1, ${ROWS}) g`;
  console.log('EXPLAIN, 1,000 products, store without variants:', await triggerTimes(sql, '', newProducts(s.simple)));
  console.log('EXPLAIN, 1,000 products, store with 3,000 variants:', await triggerTimes(sql, '', newProducts(s.mixed)));
  console.log('EXPLAIN, 1,000 variants:', await triggerTimes(sql,
    `insert into products (store_id, external_id, name, has_variants) select '${s.forVariants}', 'xp-' || g, 'XP', true from generate_series(1, ${ROWS}) g`,
    `insert into product_variants (store_id, product_id, sku, external_id) select p.store_id, p.id, 'XV-' || p.external_id, 'XE-' || p.external_id
      from products p where p.store_id = '${s.forVariants}' and p.external_id like 'xp-%'`));

  await measure('Two triggers a table', await splitIntoTwoTriggers(sql));
} finally {
  await sql.end();
  await db.close();
}
