/**
 * The with-variants catalog sync end to end, which `npm run bench` does not time: PARENTS (20,000)
 * products of VARIANTS (3) variants each through POST /catalog/with-variants/sync, ROWS (250)
 * parents a request, 4 senders, into a store of one warehouse (each variant's stock in it: seed
 * 000's rule), until every batch is done; beside a COPY of the same parents, variants and
 * variants' warehouse rows into tables shaped like products, product_variants and warehouse_stock. SMALL_STORES=N first seeds N other stores as the bench
 * does (bench/lib/small-stores.ts: 4 products each, one with variants keyed SMALL-V1 and SMALL-V2
 * in every store; SMALL_STORE_PRODUCTS as BENCH_SMALL_STORE_PRODUCTS), analysed: a marketplace
 * whose stores share a variant SKU scheme.
 * Run: node bin/run-ts.js bench/probe-variant-import.ts (DATABASE_URL: a server to create the
 * run's database on; unset, an embedded one).
 */
import { TAXONOMY } from '../src/catalog/taxonomy.js';
import { seedTaxonomy } from '../src/catalog/taxonomy.js';
import { createPartner } from '../src/partners/partners.js';
import { createStore } from '../src/stores/stores.js';
import { countCpu } from './lib/cpu.js';
import { sendAll, serialisedRequest } from './lib/client.js';
import { settle, startBenchEnv, waitForStore } from './lib/environment.js';
import { seedSmallStores } from './lib/small-stores.js';

const PARENTS = Number(process.env.PARENTS ?? 20000);
const VARIANTS = Number(process.env.VARIANTS ?? 3);
const ROWS = Number(process.env.ROWS ?? 250);
const SMALL_STORES = Number(process.env.SMALL_STORES ?? 0);

/** A parent of VARIANTS variants (sizes), ~2 KB of JSON: the simple import's product fields less price, SKU and stock. */
function generateParents(count: number) {
  const sizes = ['S', 'M', 'L', 'XL', 'XXL'];
  return Array.from({ length: count }, (_, n) => ({
    externalId: `vp-${n.toString(36)}-${(n * 2654435761 % 4294967296).toString(16)}`,
    name: `Variant product ${n}`,
    description: 'A soft and classic item for everyday use. Made to last, easy to care for; dimensions and weight are approximate.',
    weight: 100 + (n % 900), dimensions: { length: 10 + (n % 20), width: 10 + (n % 15), height: 2 + (n % 10) },
    minOrder: 1, categoryId: TAXONOMY.categories[0].id, subCategoryId: TAXONOMY.subCategories[0].id, typeId: TAXONOMY.types[0].id,
    hashtags: ['bench', 'variants'], condition: 'NEW',
    photos: Array.from({ length: 3 }, (_, k) => `https://cdn.example.com/images/variants/${n}/photo-${k}-large.jpg?w=800&v=1`),
    isPreorder: false, preorderPeriod: 0, isArchived: false, insuranceRequired: false, codEnabled: false,
    variants: { items: Array.from({ length: VARIANTS }, (_, j) => ({
      sku: `VP-${n}-${sizes[j % sizes.length]}${j >= sizes.length ? j : ''}`, externalId: `vp-${n}-v${j}`,
      options: { Size: `${sizes[j % sizes.length]}${j >= sizes.length ? j : ''}` }, price: 10000 + (n % 500) * 100, stock: (n + j) % 50,
      photos: [`https://cdn.example.com/images/variants/${n}/v${j}.jpg`],
    })) },
  }));
}

const esc = (v: unknown) => (v === null || v === undefined ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
const line = (values: unknown[]) => values.map(esc).join('\t') + '\n';
const arr = (a: string[]) => `{${a.map((x) => `"${x}"`).join(',')}}`;

const env = await startBenchEnv();
try {
  await seedTaxonomy(env.sql);
  const partner = await createPartner(env.sql, env.key, { name: 'Variant probe' });
  await seedSmallStores(env.sql, partner.partnerId, SMALL_STORES, Number(process.env.SMALL_STORE_PRODUCTS ?? 4));
  const store = await createStore(env.sql, { partnerClientId: partner.partnerClientId, name: 'Variant store', warehouses: 1 });
  const parents = generateParents(PARENTS);
  const requests = Array.from({ length: Math.ceil(PARENTS / ROWS) }, (_, i) =>
    serialisedRequest('POST', '/api/v1/partner/stores/catalog/with-variants/sync', { products: parents.slice(i * ROWS, (i + 1) * ROWS) }));
  await settle(env);
  // PG_STATS=1 (a server with pg_stat_statements preloaded, track=all): the statements that took the time.
  const pgStats = process.env.PG_STATS === '1';
  if (pgStats) await env.sql`create extension if not exists pg_stat_statements`.then(() => env.sql`select pg_stat_statements_reset()`);
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  const started = performance.now();
  const results = await sendAll(env.baseUrl, { ...partner, ...store }, requests, 4);
  await waitForStore(env.sql, store.storeId);
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu.stop();
  if (pgStats) {
    const top = await env.sql<{ ms: number; calls: number; query: string }[]>`select round(total_exec_time)::int as ms, calls::int,
      regexp_replace(left(query, 160), '[[:space:]]+', ' ', 'g') as query from pg_stat_statements order by total_exec_time desc limit 20`;
    for (const t of top) console.log(`${String(t.ms).padStart(6)} ms ${String(t.calls).padStart(6)} calls  ${t.query}`);
  }
  const [counts] = await env.sql<{ parents: number; variants: number; failed: number; variants_off: number; totals_off: number }[]>`select
    (select count(*)::int from products where store_id = ${store.storeId}) as parents,
    (select count(*)::int from product_variants where store_id = ${store.storeId}) as variants,
    (select coalesce(sum(failed), 0)::int from batches where store_id = ${store.storeId}) as failed,
    (select count(*)::int from product_variants v where v.store_id = ${store.storeId}
      and v.stock <> (select coalesce(sum(w.stock), 0) from warehouse_stock w where w.store_id = v.store_id and w.variant_id = v.id)) as variants_off,
    (select count(*)::int from product_stock s where s.store_id = ${store.storeId}
      and s.stock <> (select coalesce(sum(v.stock), 0) from product_variants v where v.store_id = s.store_id and v.product_id = s.product_id and v.is_active)) as totals_off`;

  // The same rows by COPY, into tables shaped like products and product_variants (columns and indexes).
  await settle(env);
  const tables = ['products', 'product_variants', 'warehouse_stock'];
  for (const t of tables) await env.sql.unsafe(`create table bench_${t} (like ${t} including all)`);
  const [{ id: warehouseId }] = await env.sql<{ id: string }[]>`select id from warehouses where store_id = ${store.storeId}`;
  const ids = (await env.sql<{ id: string }[]>`select gen_random_uuid()::text as id from generate_series(1, ${PARENTS * (1 + VARIANTS)}::int)`).map((r) => r.id);
  const text = { parents: [] as string[], variants: [] as string[], placed: [] as string[] };
  for (let i = 0; i < PARENTS; i += ROWS) {
    let p = '';
    let v = '';
    let w = '';
    parents.slice(i, i + ROWS).forEach((x, k) => {
      const id = ids[(i + k) * (1 + VARIANTS)];
      p += line([store.storeId, id, x.externalId, x.name, x.description, x.weight, x.dimensions.length, x.dimensions.width, x.dimensions.height, x.minOrder,
        x.categoryId, x.subCategoryId, x.typeId, arr(x.hashtags), arr(x.photos), true]);
      x.variants.items.forEach((item, j) => {
        const variantId = ids[(i + k) * (1 + VARIANTS) + 1 + j];
        v += line([store.storeId, variantId, id, item.sku, item.externalId, JSON.stringify(item.options), item.price, item.stock, arr(item.photos)]);
        w += line([store.storeId, id, variantId, warehouseId, item.stock]);
      });
    });
    text.parents.push(p);
    text.variants.push(v);
    text.placed.push(w);
  }
  const copy = async (table: string, cols: string[], chunks: string[]) => {
    const writable = await env.sql.unsafe(`copy ${table} (${cols.join(', ')}) from stdin`).writable();
    for (const t of chunks) if (!writable.write(t)) await new Promise((r) => writable.once('drain', r));
    await new Promise<void>((resolve, reject) => { writable.end(); writable.once('finish', resolve); writable.once('error', reject); });
  };
  const copyStarted = performance.now();
  await copy('bench_products', ['store_id', 'id', 'external_id', 'name', 'description', 'weight', 'length', 'width', 'height', 'min_order',
    'category_id', 'sub_category_id', 'type_id', 'hashtags', 'photos', 'has_variants'], text.parents);
  await copy('bench_product_variants', ['store_id', 'id', 'product_id', 'sku', 'external_id', 'options', 'price', 'stock', 'photos'], text.variants);
  await copy('bench_warehouse_stock', ['store_id', 'product_id', 'variant_id', 'warehouse_id', 'stock'], text.placed);
  const copySeconds = (performance.now() - copyStarted) / 1000;

  const notOk = results.filter((r) => r.status !== 200).length;
  const failures = await env.sql<{ code: string; n: number }[]>`select concat_ws(' ', o->>'code', o->>'message') as code, count(*)::int as n
    from batches b cross join jsonb_array_elements(b.outcomes) o where b.store_id = ${store.storeId} and o->>'status' = 'FAILED' group by 1 order by 2 desc limit 5`;
  if (failures.length > 0) console.log('failed rows by code:', failures.map((f) => `${f.code} ${f.n}`).join(', '));
  console.log(`${SMALL_STORES} small stores; ${PARENTS} parents of ${VARIANTS} variants, ${ROWS} a request (${requests.length} requests, ${notOk} not 200)`);
  console.log(`written: ${counts.parents} parents, ${counts.variants} variants, ${counts.failed} rows failed; stock not the sum of its rows: ${counts.variants_off} variants, ${counts.totals_off} parents`);
  console.log(`with-variants sync: ${seconds.toFixed(2)} s = ${Math.round(PARENTS / seconds)} parents/s, ${Math.round(PARENTS * VARIANTS / seconds)} variants/s`);
  console.log(`COPY of the same parents, variants and warehouse rows: ${copySeconds.toFixed(2)} s; the sync at ${Math.round((copySeconds / seconds) * 100)}% of it`);
  console.log(`CPU seconds: API ${used.api}, worker ${used.worker}, PostgreSQL ${used.postgres} (${Object.entries(used.postgresByRole ?? {}).map(([k, s]) => `${k} ${s.toFixed(2)}`).join(', ')}), bench ${used.bench}`);
} finally {
  await env.close();
}
