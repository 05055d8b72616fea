import { settle, waitForStore, type BenchEnv } from '../lib/environment.js';
import { countCpu } from '../lib/cpu.js';
import { sendAll, serialisedRequest, type Credentials } from '../lib/client.js';
import { storageOf } from '../lib/baseline-tables.js';

/** Concurrent senders (BENCH_SENDERS, default 4). */
const SENDERS = Number(process.env.BENCH_SENDERS ?? 4);

/**
 * `count` stock updates (a third each by sku, id and externalId; half global
 * stock, half per warehouse) through PATCH /inventory until applied, beside
 * UPDATE … FROM unnest of the same (product, warehouse, stock) values on a
 * scratch copy of the store's warehouse rows.
 */
export async function stockUpdates(env: BenchEnv, who: Credentials & { storeId: string }, warehouses: { clientId: string; id: string }[], count: number) {
  // In an order unrelated to where the products lie, as their ids gave before they were
  // time-ordered (0083): by id they come in the order they were written, a different workload
  // (one run each: ours 21,598 updates/s, the baseline 31,639/s; in this order 16,205 and 48,277).
  const products = await env.sql<{ id: string; sku: string; external_id: string }[]>`
    select id, sku, external_id from products where store_id = ${who.storeId} and not has_variants order by md5(id::text) limit ${count}`;
  if (products.length === 0) throw new Error('no products to update');
  const items = Array.from({ length: count }, (_, n) => {
    const p = products[n % products.length];
    const ident = n % 3 === 0 ? { sku: p.sku } : n % 3 === 1 ? { id: p.id } : { externalId: p.external_id };
    return n % 2 === 0
      ? { ...ident, stock: n % 97 }
      : { ...ident, warehouses: [{ clientId: warehouses[n % warehouses.length].clientId, stock: n % 89 }] };
  });
  // The same writes, expanded to (product, warehouse, stock) as the baseline applies them.
  const flat = items.flatMap((item, n) => {
    const p = products[n % products.length];
    return 'stock' in item ? warehouses.map((w) => [p.id, w.id, item.stock as number]) : item.warehouses!.map((w) => [p.id, warehouses.find((x) => x.clientId === w.clientId)!.id, w.stock]);
  });

  const chunks = Array.from({ length: Math.ceil(count / 1000) }, (_, i) => items.slice(i * 1000, (i + 1) * 1000));
  // Serialised before the clock starts and signed as sent, as for the import (catalog-import.ts).
  const requests = chunks.map((chunk) => serialisedRequest('PATCH', '/api/v1/partner/stores/inventory', { items: chunk }));
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  const started = performance.now();
  const results = await sendAll(env.baseUrl, who, requests, SENDERS);
  await waitForStore(env.sql, who.storeId);
  const cpuUsed = await cpu.stop();
  const ourSeconds = (performance.now() - started) / 1000;
  const [{ failed }] = await env.sql<{ failed: number }[]>`select coalesce(sum(failed), 0)::int as failed from batches where store_id = ${who.storeId} and kind = 'inventory'`;

  // Two copies of the store's stock rows. The updates above ran after the settle step's
  // CHECKPOINT, so each page they touched first wrote its full image to the WAL (~11 MB per
  // 2,000 rows, about half the statement's time in an uncontended EXPLAIN). The baseline gets
  // the same: its copy is checkpointed before it is timed. The second copy, updated while its
  // pages are still newer than the last checkpoint, is the figure of earlier runs (`fresh`).
  // Both keep warehouse_stock's fillfactor (baseline-tables.ts), so that an updated row's new
  // version finds room on its page as ours does (since 2026-12-05, thirtieth session).
  const copyStockRows = async (table: string) => {
    await env.sql.unsafe(`create table ${table}${await storageOf(env.sql, 'warehouse_stock')} as select * from warehouse_stock where store_id = $1`, [who.storeId]);
    await env.sql`create unique index on ${env.sql(table)} (store_id, product_id, variant_id, warehouse_id) nulls not distinct`;
  };
  await copyStockRows('bench_stock');
  await settle(env);
  await copyStockRows('bench_stock_fresh');
  const baseSeconds = await timeBaseline(env, 'bench_stock', who.storeId, flat);
  const freshSeconds = await timeBaseline(env, 'bench_stock_fresh', who.storeId, flat);
  await env.sql`drop table bench_stock, bench_stock_fresh`;
  return {
    updates: count, rejectedOrFailedRows: failed + results.filter((r) => r.status !== 200).length,
    updatesPerSecond: Math.round(count / ourSeconds), baselinePerSecond: Math.round(count / baseSeconds),
    freshBaselinePerSecond: Math.round(count / freshSeconds), freshRatio: Number((freshSeconds / ourSeconds).toFixed(3)),
    cpu: cpuUsed, ratio: Number((baseSeconds / ourSeconds).toFixed(3)), seconds: Number(ourSeconds.toFixed(2)), baselineSeconds: Number(baseSeconds.toFixed(2)),
  };
}

/** UPDATE … FROM unnest of the same writes, 3,000 (product, warehouse, stock) values a statement. */
async function timeBaseline(env: BenchEnv, table: string, storeId: string, flat: (string | number)[][]) {
  const started = performance.now();
  for (let i = 0; i < flat.length; i += 3000) {
    const part = flat.slice(i, i + 3000);
    await env.sql`
      update ${env.sql(table)} b set stock = u.stock, updated_at = now()
      from (select distinct on (p, w) p, w, stock from unnest(${part.map((r) => r[0]) as string[]}::uuid[], ${part.map((r) => r[1]) as string[]}::uuid[], ${part.map((r) => r[2]) as number[]}::int[])
            with ordinality as u(p, w, stock, o) order by p, w, o desc) u
      where b.store_id = ${storeId} and b.product_id = u.p and b.variant_id is null and b.warehouse_id = u.w`;
  }
  return (performance.now() - started) / 1000;
}
