import { TAXONOMY } from '../../src/catalog/taxonomy.js';
import { countCpu } from '../lib/cpu.js';
import { createLike } from '../lib/baseline-tables.js';
import { sendAll, serialisedRequest, type Credentials } from '../lib/client.js';
import { settle, waitForStore, type BenchEnv } from '../lib/environment.js';
import { arr, copyInto, copyLine } from './catalog-import.js';

/** Parents of `variants` variants each (sizes), ~2 KB of JSON a parent of 3: the simple import's product fields less price, SKU and stock. */
export function generateParents(count: number, variants: number) {
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
    variants: { items: Array.from({ length: variants }, (_, j) => ({
      sku: `VP-${n}-${sizes[j % sizes.length]}${j >= sizes.length ? j : ''}`, externalId: `vp-${n}-v${j}`,
      options: { Size: `${sizes[j % sizes.length]}${j >= sizes.length ? j : ''}` }, price: 10000 + (n % 500) * 100, stock: (n + j) % 50,
      photos: [`https://cdn.example.com/images/variants/${n}/v${j}.jpg`],
    })) },
  }));
}

/**
 * The with-variants catalog sync end to end: `parents` parents of `variants` variants each through
 * POST /catalog/with-variants/sync, `rows` parents a request, 4 senders, into `who`'s store (one
 * warehouse: each variant's stock goes to it, seed 000's rule), until every batch is done; beside a
 * COPY of the same parents, variants and variants' warehouse rows into tables shaped like products,
 * product_variants and warehouse_stock. `during` runs once the batches are done, before anything
 * else reads the database (the probe's pg_stat_statements). Also counts the variants whose stock
 * is not the sum of their rows, and the parents whose total is not their active variants' sum.
 */
export async function variantImport(env: BenchEnv, who: Credentials & { storeId: string }, opts: { parents: number; variants: number; rows: number },
  during?: () => Promise<void>) {
  const { parents: count, variants, rows } = opts;
  const parents = generateParents(count, variants);
  const requests = Array.from({ length: Math.ceil(count / rows) }, (_, i) =>
    serialisedRequest('POST', '/api/v1/partner/stores/catalog/with-variants/sync', { products: parents.slice(i * rows, (i + 1) * rows) }));
  await settle(env);
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  const started = performance.now();
  const results = await sendAll(env.baseUrl, who, requests, 4);
  await waitForStore(env.sql, who.storeId);
  const seconds = (performance.now() - started) / 1000;
  const used = await cpu.stop();
  await during?.();
  // Set-wise (grouped, then joined): correlated per-row sums, planned on statistics from before the
  // import (an empty product_variants), ran for over ten minutes in a full bench run.
  await env.sql`analyze products, product_variants, product_stock, warehouse_stock`;
  const [written] = await env.sql<{ parents: number; variants: number; failed: number; variantsOff: number; totalsOff: number }[]>`select
    (select count(*)::int from products where store_id = ${who.storeId}) as parents,
    (select count(*)::int from product_variants where store_id = ${who.storeId}) as variants,
    (select coalesce(sum(failed), 0)::int from batches where store_id = ${who.storeId}) as failed,
    (select count(*)::int from product_variants v
      left join (select w.variant_id, sum(w.stock) as total from warehouse_stock w
        where w.store_id = ${who.storeId} and w.variant_id is not null group by 1) w on w.variant_id = v.id
      where v.store_id = ${who.storeId} and v.stock <> coalesce(w.total, 0)) as "variantsOff",
    (select count(*)::int from product_stock s
      left join (select v.product_id, sum(v.stock) filter (where v.is_active) as total from product_variants v
        where v.store_id = ${who.storeId} group by 1) v on v.product_id = s.product_id
      where s.store_id = ${who.storeId} and s.stock <> coalesce(v.total, 0)) as "totalsOff"`;
  const failures = await env.sql<{ code: string; n: number }[]>`select concat_ws(' ', o->>'code', o->>'message') as code, count(*)::int as n
    from batches b cross join jsonb_array_elements(b.outcomes) o where b.store_id = ${who.storeId} and o->>'status' = 'FAILED' group by 1 order by 2 desc limit 5`;
  const copySeconds = await copyBaseline(env, who.storeId, parents, rows);
  return {
    parents: count, variants, rows, requests: requests.length, notOk: results.filter((r) => r.status !== 200).length, written, failures,
    seconds: Number(seconds.toFixed(2)), parentsPerSecond: Math.round(count / seconds), variantsPerSecond: Math.round((count * variants) / seconds),
    copySeconds: Number(copySeconds.toFixed(2)), ratio: Number((copySeconds / seconds).toFixed(3)), cpu: used,
  };
}

/** The same rows by COPY, in chunks of `rows` parents, into tables shaped like the three the sync writes; the seconds it took. */
async function copyBaseline(env: BenchEnv, storeId: string, parents: ReturnType<typeof generateParents>, rows: number) {
  await settle(env);
  const tables = ['products', 'product_variants', 'warehouse_stock'];
  for (const t of tables) await createLike(env.sql, t, `bench_${t}`);
  const [{ id: warehouseId }] = await env.sql<{ id: string }[]>`select id from warehouses where store_id = ${storeId}`;
  const perParent = 1 + (parents[0]?.variants.items.length ?? 0);
  const ids = (await env.sql<{ id: string }[]>`select gen_random_uuid()::text as id from generate_series(1, ${parents.length * perParent}::int)`).map((r) => r.id);
  const text = { parents: [] as string[], variants: [] as string[], placed: [] as string[] };
  for (let i = 0; i < parents.length; i += rows) {
    let p = '';
    let v = '';
    let w = '';
    parents.slice(i, i + rows).forEach((x, k) => {
      const id = ids[(i + k) * perParent];
      p += copyLine([storeId, id, x.externalId, x.name, x.description, x.weight, x.dimensions.length, x.dimensions.width, x.dimensions.height, x.minOrder,
        x.categoryId, x.subCategoryId, x.typeId, arr(x.hashtags), arr(x.photos), true]);
      x.variants.items.forEach((item, j) => {
        const variantId = ids[(i + k) * perParent + 1 + j];
        v += copyLine([storeId, variantId, id, item.sku, item.externalId, JSON.stringify(item.options), item.price, item.stock, arr(item.photos)]);
        w += copyLine([storeId, id, variantId, warehouseId, item.stock]);
      });
    });
    text.parents.push(p);
    text.variants.push(v);
    text.placed.push(w);
  }
  const seconds = await copyInto(env, 'bench_products', ['store_id', 'id', 'external_id', 'name', 'description', 'weight', 'length', 'width',
    'height', 'min_order', 'category_id', 'sub_category_id', 'type_id', 'hashtags', 'photos', 'has_variants'], text.parents)
    + await copyInto(env, 'bench_product_variants', ['store_id', 'id', 'product_id', 'sku', 'external_id', 'options', 'price', 'stock', 'photos'], text.variants)
    + await copyInto(env, 'bench_warehouse_stock', ['store_id', 'product_id', 'variant_id', 'warehouse_id', 'stock'], text.placed);
  for (const t of tables) await env.sql.unsafe(`drop table bench_${t}`);
  return seconds;
}
