import { TAXONOMY } from '../../src/catalog/taxonomy.js';
import { percentile, settle, waitForStore, type BenchEnv } from '../lib/environment.js';
import { countCpu } from '../lib/cpu.js';
import { createLike } from '../lib/baseline-tables.js';
import { sendAll, serialisedRequest, type Credentials } from '../lib/client.js';

/** Concurrent senders (BENCH_SENDERS, default 4). */
const SENDERS = Number(process.env.BENCH_SENDERS ?? 4);

/** A realistic product row (~880 bytes of JSON): 5 photos, hashtags, dimensions; 30% with warehouses. */
export function generateProducts(count: number, warehouseIds: string[], prefix: string) {
  const words = ['cotton', 'classic', 'slim', 'organic', 'premium', 'everyday', 'travel', 'outdoor', 'urban', 'soft'];
  return Array.from({ length: count }, (_, n) => {
    const w = (k: number) => words[(n * 7 + k) % words.length];
    const row: Record<string, unknown> = {
      externalId: `${prefix}-${n.toString(36)}-${(n * 2654435761 % 4294967296).toString(16)}`,
      name: `${w(1)} ${w(2)} product ${n}`,
      description: `A ${w(3)} and ${w(4)} item for ${w(5)} use. Made to last, easy to care for, and designed to fit any wardrobe or home. Ships in recyclable packaging; dimensions and weight are approximate.`,
      sku: `${prefix.toUpperCase()}-${n}`,
      price: 10000 + (n % 500) * 100, specialPrice: n % 3 === 0 ? 9000 + (n % 500) * 90 : null,
      weight: 100 + (n % 900), dimensions: { length: 10 + (n % 20), width: 10 + (n % 15), height: 2 + (n % 10) },
      minOrder: 1, categoryId: TAXONOMY.categories[0].id, subCategoryId: TAXONOMY.subCategories[0].id, typeId: TAXONOMY.types[0].id,
      hashtags: [w(1), w(2), w(6), 'bench'], condition: 'NEW',
      photos: Array.from({ length: 5 }, (_, k) => `https://cdn.example.com/images/products/${prefix}/${n}/photo-${k}-large.jpg?w=800&v=1`),
      isPreorder: false, preorderPeriod: 0, isArchived: false, insuranceRequired: n % 2 === 0, codEnabled: false,
    };
    if (n % 10 < 3 && warehouseIds.length > 0) row.warehouses = warehouseIds.slice(0, 1 + (n % warehouseIds.length)).map((clientId, k) => ({ clientId, stock: (n + k) % 50 }));
    else row.stock = n % 100;
    return row;
  });
}

/** Our pipeline end to end (accept + processing) beside a raw COPY of the same rows into a table shaped like products. */
export async function catalogImport(env: BenchEnv, who: Credentials & { storeId: string }, warehouseIds: string[], count: number) {
  const products = generateProducts(count, warehouseIds, 'imp');
  const chunks = Array.from({ length: Math.ceil(count / 1000) }, (_, i) => products.slice(i * 1000, (i + 1) * 1000));
  // Every body is serialised before the clock starts, as the COPY lines of the baseline are
  // built before its clock: the bench shares the 2 cores with what it measures, and a
  // partner's serialising is the partner's CPU, not Omni's. Each is signed as it is sent
  // (~0.9 ms of HMAC a body), so a long run never sends a signature older than 300 s.
  const requests = chunks.map((chunk) => serialisedRequest('POST', '/api/v1/partner/stores/catalog/sync', { products: chunk }));
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  const started = performance.now();
  const results = await sendAll(env.baseUrl, who, requests, SENDERS);
  const failedRequests = results.filter((r) => r.status !== 200).length;
  await waitForStore(env.sql, who.storeId);
  const cpuUsed = await cpu.stop();
  const ourSeconds = (performance.now() - started) / 1000;
  const [{ n: created }] = await env.sql<{ n: number }[]>`select count(*)::int as n from products where store_id = ${who.storeId}`;
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);

  // Baseline: COPY the same rows into a scratch table with the products table's shape and indexes,
  // and their stock beside them (Omni writes it to product_stock, migration 0075). On a settled
  // database, as ours ran: right after our import, autovacuum and the dirty pages it left behind
  // shared the machine with the COPY (two alternating pairs: 29,494 and 29,502 rows/s against
  // 31,067 and 31,452 settled).
  await settle(env);
  await createLike(env.sql, 'products', 'bench_products');
  await env.sql`alter table bench_products add column stock integer not null default 0`;
  // The COPY text is built before the clock starts, in chunks of 1,000 lines.
  const copyText = chunks.map((chunk) => chunk.map((p) => copyLine([who.storeId, p.stock ?? 0, ...productValues(p)])).join(''));
  const copySeconds = await copyInto(env, 'bench_products', ['store_id', 'stock', ...PRODUCT_COLUMNS], copyText);
  await env.sql`drop table bench_products`;
  const allRows = await copyEveryRow(env, who.storeId, chunks);
  return {
    rows: count, created, failedRequests,
    productsPerSecond: Math.round(count / ourSeconds), baselinePerSecond: Math.round(count / copySeconds),
    cpu: cpuUsed, ratio: Number((copySeconds / ourSeconds).toFixed(3)),
    acceptP50Ms: Number(percentile(latencies, 50).toFixed(1)), acceptP99Ms: Number(percentile(latencies, 99).toFixed(1)),
    seconds: Number(ourSeconds.toFixed(2)), baselineSeconds: Number(copySeconds.toFixed(2)),
    everyRowBaselinePerSecond: Math.round(count / allRows.seconds), everyRowRatio: Number((allRows.seconds / ourSeconds).toFixed(3)), rowsWritten: allRows.rows,
  };
}

/** The products columns both baselines copy, and a generated row's values for them. */
const PRODUCT_COLUMNS = ['external_id', 'sku', 'name', 'description', 'price', 'special_price', 'weight', 'length', 'width', 'height', 'min_order',
  'category_id', 'sub_category_id', 'type_id', 'hashtags', 'photos', 'insurance_required'];
/** A text array in COPY's text format. */
export const arr = (a: string[]) => `{${a.map((x) => `"${x.replace(/"/g, '\\"')}"`).join(',')}}`;
const productValues = (p: Record<string, any>) => [p.externalId, p.sku, p.name, p.description, p.price, p.specialPrice, p.weight, p.dimensions.length,
  p.dimensions.width, p.dimensions.height, p.minOrder, p.categoryId, p.subCategoryId, p.typeId, arr(p.hashtags), arr(p.photos), p.insuranceRequired];
const esc = (v: unknown) => (v === null || v === undefined ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
/** One line of COPY's text format. */
export const copyLine = (values: unknown[]) => values.map(esc).join('\t') + '\n';

/** COPY of lines built beforehand, in chunks; the seconds it took. */
export async function copyInto(env: BenchEnv, table: string, cols: string[], text: string[]) {
  const started = performance.now();
  const writable = await env.sql.unsafe(`copy ${table} (${cols.join(', ')}) from stdin`).writable();
  for (const t of text) {
    if (!writable.write(t)) await new Promise((r) => writable.once('drain', r));
  }
  await new Promise<void>((resolve, reject) => { writable.end(); writable.once('finish', resolve); writable.once('error', reject); });
  return (performance.now() - started) / 1000;
}

/**
 * A second baseline, for context only (the target is the products COPY above): COPY of every
 * row our import writes, into tables shaped like the three it writes (products, product_stock
 * and warehouse_stock: columns and indexes, no triggers or foreign keys), with the products'
 * ids made beforehand. A store with several warehouses gets a product's stock in each of them
 * (seed 000's rule, warehouse-rules.ts): ~2.7 warehouse rows a product here. The ids are made by
 * the generator our import uses (time_ordered_uuid, migration 0083), in the order of the rows.
 */
async function copyEveryRow(env: BenchEnv, storeId: string, chunks: Record<string, any>[][]) {
  const warehouses = await env.sql<{ id: string; client_id: string }[]>`select id, client_id from warehouses where store_id = ${storeId} order by client_id`;
  const byClient = new Map(warehouses.map((w) => [w.client_id, w.id]));
  const text = { products: [] as string[], stock: [] as string[], placed: [] as string[] };
  const ids = (await env.sql<{ id: string }[]>`
    select time_ordered_uuid()::text as id from generate_series(1, ${chunks.reduce((n, c) => n + c.length, 0)}::int) order by 1`).map((r) => r.id);
  let rows = 0;
  let made = 0;
  for (const chunk of chunks) {
    const lines = { products: '', stock: '', placed: '' };
    for (const p of chunk) {
      const id = ids[made++];
      const placed: [string, number][] = p.warehouses
        ? p.warehouses.map((w: { clientId: string; stock: number }) => [byClient.get(w.clientId)!, w.stock])
        : warehouses.map((w) => [w.id, p.stock]);
      lines.products += copyLine([storeId, id, ...productValues(p)]);
      lines.stock += copyLine([storeId, id, placed.reduce((n, [, k]) => n + k, 0)]);
      for (const [warehouseId, stock] of placed) lines.placed += copyLine([storeId, id, warehouseId, stock]);
      rows += 2 + placed.length;
    }
    text.products.push(lines.products); text.stock.push(lines.stock); text.placed.push(lines.placed);
  }
  await settle(env);
  for (const t of ['products', 'product_stock', 'warehouse_stock']) await createLike(env.sql, t, `bench_${t}`);
  const seconds = await copyInto(env, 'bench_products', ['store_id', 'id', ...PRODUCT_COLUMNS], text.products)
    + await copyInto(env, 'bench_product_stock', ['store_id', 'product_id', 'stock'], text.stock)
    + await copyInto(env, 'bench_warehouse_stock', ['store_id', 'product_id', 'warehouse_id', 'stock'], text.placed);
  for (const t of ['products', 'product_stock', 'warehouse_stock']) await env.sql.unsafe(`drop table bench_${t}`);
  return { seconds, rows };
}
