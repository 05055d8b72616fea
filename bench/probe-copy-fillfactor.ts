/**
 * The bench's baselines with and without our tables' fillfactor (baseline-tables.ts): `LIKE
 * products INCLUDING ALL` and `CREATE TABLE … AS` take fillfactor 100. ROUNDS alternating runs
 * of each, after a CHECKPOINT: the import's COPY of ROWS generated products (the bench's rows and
 * COPY text) into a fresh table, and the stock updates' UPDATE … FROM unnest (3,000 values a
 * statement, as stock-updates.ts) of ROWS updates (half to each of a product's 3 warehouse rows,
 * half to one, in random order) on a fresh copy of ROWS products' warehouse rows. Run: node
 * bin/run-ts.js bench/probe-copy-fillfactor.ts (DATABASE_URL: a database to migrate, else an
 * embedded PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { openProbeStore } from './lib/probe-database.js';
import { arr, copyInto, copyLine, generateProducts } from './scenarios/catalog-import.js';
import type { BenchEnv } from './lib/environment.js';

const ROWS = Number(process.env.ROWS ?? 100000);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const probe = await openProbeStore(3);
const { sql, storeId } = probe;
try {
  // A table's fillfactor, as its storage parameters give it (100 when they do not).
  const fillfactorOf = async (table: string) => (await sql<{ fillfactor: string }[]>`
    select coalesce((select split_part(o, '=', 2) from unnest(reloptions) o where o like 'fillfactor=%'), '100') as fillfactor
    from pg_class where oid = ${table}::regclass`)[0].fillfactor;
  const fillfactor = await fillfactorOf('products');
  const products = generateProducts(ROWS, [], 'ff');
  const cols = ['store_id', 'stock', 'external_id', 'sku', 'name', 'description', 'price', 'special_price', 'weight', 'length', 'width', 'height',
    'min_order', 'category_id', 'sub_category_id', 'type_id', 'hashtags', 'photos', 'insurance_required'];
  const text: string[] = [];
  for (let i = 0; i < ROWS; i += 1000) {
    text.push(products.slice(i, i + 1000).map((p: any) => copyLine([storeId, p.stock ?? 0, p.externalId, p.sku, p.name, p.description, p.price, p.specialPrice,
      p.weight, p.dimensions.length, p.dimensions.width, p.dimensions.height, p.minOrder, p.categoryId, p.subCategoryId, p.typeId, arr(p.hashtags),
      arr(p.photos), p.insuranceRequired])).join(''));
  }
  const seconds: Record<string, number[]> = { '100': [], [fillfactor]: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const ff of round % 2 === 0 ? ['100', fillfactor] : [fillfactor, '100']) {
      await sql.unsafe(`create table ff_products (like products including all) with (fillfactor = ${ff})`);
      await sql`alter table ff_products add column stock integer not null default 0`;
      await sql`checkpoint`;
      const s = await copyInto({ sql } as unknown as BenchEnv, 'ff_products', cols, text);
      const [{ pages }] = await sql<{ pages: number }[]>`select pg_relation_size('ff_products')::bigint / 8192 as pages`;
      console.log(`fillfactor ${ff}: ${s.toFixed(2)} s = ${Math.round(ROWS / s)} rows/s, ${pages} heap pages`);
      seconds[ff].push(s);
      await sql`drop table ff_products`;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [ff, xs] of Object.entries(seconds)) console.log(`COPY, fillfactor ${ff}: median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(', ')})`);

  // The stock baseline: warehouse rows of ROWS products in 3 warehouses, updated as stock-updates.ts does.
  const stockFillfactor = await fillfactorOf('warehouse_stock');
  const warehouses = [randomUUID(), randomUUID(), randomUUID()];
  const ids = Array.from({ length: ROWS }, () => randomUUID());
  const flat: [string, string, number][] = [];
  for (let n = 0; n < ROWS; n++) {
    const p = ids[(n * 7919) % ROWS];
    if (n % 2 === 0) for (const w of warehouses) flat.push([p, w, n % 97]);
    else flat.push([p, warehouses[n % 3], n % 89]);
  }
  const updates: Record<string, number[]> = { '100': [], [stockFillfactor]: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const ff of round % 2 === 0 ? ['100', stockFillfactor] : [stockFillfactor, '100']) {
      await sql.unsafe(`create table ff_stock with (fillfactor = ${ff}) as
        select $1::uuid as store_id, p as product_id, null::uuid as variant_id, w as warehouse_id, 0 as stock, now() as updated_at
        from unnest($2::uuid[]) p, unnest($3::uuid[]) w`, [storeId, ids, warehouses]);
      await sql`create unique index on ff_stock (store_id, product_id, variant_id, warehouse_id) nulls not distinct`;
      await sql`checkpoint`;
      const started = performance.now();
      for (let i = 0; i < flat.length; i += 3000) {
        const part = flat.slice(i, i + 3000);
        await sql`
          update ff_stock b set stock = u.stock, updated_at = now()
          from (select distinct on (p, w) p, w, stock from unnest(${part.map((r) => r[0])}::uuid[], ${part.map((r) => r[1])}::uuid[], ${part.map((r) => r[2])}::int[])
                with ordinality as u(p, w, stock, o) order by p, w, o desc) u
          where b.store_id = ${storeId} and b.product_id = u.p and b.variant_id is null and b.warehouse_id = u.w`;
      }
      const s = (performance.now() - started) / 1000;
      console.log(`stock UPDATE, fillfactor ${ff}: ${s.toFixed(2)} s = ${Math.round(ROWS / s)} updates/s`);
      updates[ff].push(s);
      await sql`drop table ff_stock`;
    }
  }
  for (const [ff, xs] of Object.entries(updates)) console.log(`stock UPDATE, fillfactor ${ff}: median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(', ')})`);
} finally {
  await probe.close();
}
