/**
 * npm run bench [-- --quick]: the performance targets of issues 3, 4 and 6, each
 * measured beside its raw-PostgreSQL baseline in the same run. Writes
 * bench/results/<timestamp>.json and .md, and the table in docs/performance.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createPartner } from '../src/partners/partners.js';
import { createStore } from '../src/stores/stores.js';
import { seedTaxonomy } from '../src/catalog/taxonomy.js';
import { machine, settle, startBenchEnv, watchRss } from './lib/environment.js';
import { seedSmallStores } from './lib/small-stores.js';
import { catalogImport } from './scenarios/catalog-import.js';
import { stockUpdates } from './scenarios/stock-updates.js';
import { patchLatency } from './scenarios/patch-latency.js';
import { catalogExport } from './scenarios/catalog-export.js';
import { acceptLatency } from './scenarios/accept-latency.js';
import { variantImport } from './scenarios/variant-import.js';
import type { CpuReport } from './lib/cpu.js';

const roles = (c: CpuReport) => Object.entries(c.postgresByRole ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
const faultsText = (c: CpuReport) => (c.minorFaults
  ? `; minor page faults: PostgreSQL ${c.minorFaults.postgres.toLocaleString('en-US')}, API ${c.minorFaults.api.toLocaleString('en-US')}, worker ${c.minorFaults.worker.toLocaleString('en-US')}` : '');
const kernelText = (c: CpuReport) => (c.kernel ? ` (kernel ${Math.round(c.kernel.machineShare * 100)}%, steal ${Math.round(c.kernel.stealShare * 100)}%; PostgreSQL's kernel time ${c.kernel.postgres} s)` : '');
const cpuText = (c: CpuReport) => `API ${c.api} s, worker ${c.worker} s, PostgreSQL ${c.postgres} s (${roles(c)}), bench ${c.bench} s; machine ${Math.round(c.machineBusyShare * 100)}% busy${kernelText(c)}${faultsText(c)}`;

const quick = process.argv.includes('--quick');
const size = quick
  ? { products: 5000, updates: 5000, rate: 200, seconds: 5, accepts: 10, parents: 2000 }
  : { products: 100_000, updates: 100_000, rate: 500, seconds: 30, accepts: 100, parents: 20_000 };
// BENCH_ROWS sets the products and stock updates of a run (profiling at an in-between size).
if (process.env.BENCH_ROWS) size.products = size.updates = Number(process.env.BENCH_ROWS);
// `--only stock,patch` runs the import (every scenario needs its catalog) and the named ones;
// such a partial run is written to bench/results but never to docs/performance.md.
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
const runs = (name: 'accept' | 'stock' | 'patch' | 'export' | 'variants') => !only || only.has(name);
// BENCH_SMALL_STORES=N: the run's database also holds N small stores (bench/lib/small-stores.ts);
// such a run is written to bench/results as a partial one, never to docs/performance.md.
const smallStores = Number(process.env.BENCH_SMALL_STORES ?? 0);
const partial = only !== null || smallStores > 0;

const env = await startBenchEnv();
const rss = watchRss(env.server.pid!);
const workerRss = watchRss(env.worker.pid!);
try {
  await seedTaxonomy(env.sql);
  const partner = await createPartner(env.sql, env.key, { name: 'Bench partner' });
  const store = await createStore(env.sql, { partnerClientId: partner.partnerClientId, name: 'Bench store', warehouses: 3 });
  const warehouses = await env.sql<{ id: string; client_id: string }[]>`select id, client_id from warehouses where store_id = ${store.storeId} order by client_id`;
  const who = { ...partner, ...store };
  const info = await machine(env.sql);
  console.log(`machine: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, Node ${info.node}, ${info.postgres}`);
  console.log(`size: ${quick ? 'quick' : 'full'} — ${size.products} products, ${size.updates} stock updates, PATCH ${size.rate} req/s for ${size.seconds} s`);

  // BENCH_WARMUP_PRODUCTS=N: a catalog import of N products into a store of their own, with its
  // COPY baselines, before the timed one: both sides then run warm (docs/performance.md,
  // twenty-fourth session). Unset (the default), the import and its COPY are each a first run.
  const warmup = Number(process.env.BENCH_WARMUP_PRODUCTS ?? 0);
  if (warmup > 0) {
    const warm = await createStore(env.sql, { partnerClientId: partner.partnerClientId, name: 'Warm-up store', warehouses: 3 });
    const warmWarehouses = await env.sql<{ client_id: string }[]>`select client_id from warehouses where store_id = ${warm.storeId} order by client_id`;
    const w = await catalogImport(env, { ...partner, ...warm }, warmWarehouses.map((x) => x.client_id), warmup);
    console.log(`warm-up import of ${warmup} products: ${w.productsPerSecond} products/s = ${(w.ratio * 100).toFixed(0)}% of COPY (${w.baselinePerSecond}/s)`);
    await settle(env);
  }
  await seedSmallStores(env.sql, partner.partnerId, smallStores, Number(process.env.BENCH_SMALL_STORE_PRODUCTS ?? 4));
  rss.reset();
  workerRss.reset();
  const imp = await catalogImport(env, who, warehouses.map((w) => w.client_id), size.products);
  const importRss = rss.peakMiB();
  const importWorkerRss = workerRss.peakMiB();
  console.log('catalog import', imp, `API peak RSS ${importRss} MiB, worker peak RSS ${importWorkerRss} MiB`);
  const rows: [string, string, string, boolean | null][] = [
    ['Catalog import (catalog/sync, 1,000-row requests, 4 senders)', `${imp.productsPerSecond} products/s = ${(imp.ratio * 100).toFixed(0)}% of COPY (${imp.baselinePerSecond}/s)`, '≥ 50% of COPY', imp.ratio >= 0.5],
    ['CPU seconds during the import', cpuText(imp.cpu), '—', null],
    [`Catalog import beside a COPY of every row it writes (${imp.rowsWritten} rows: products, product_stock, warehouse_stock), for context`,
      `${(imp.everyRowRatio * 100).toFixed(0)}% of it (${imp.everyRowBaselinePerSecond} products/s)`, '—', null],
  ];
  let acc: Awaited<ReturnType<typeof acceptLatency>> | undefined;
  if (runs('accept')) {
    await settle(env);
    acc = await acceptLatency(env, who, warehouses.map((w) => w.client_id), size.accepts);
    console.log('accept latency', acc);
    if (acc.alone.pgWaits) console.log('PostgreSQL waits over the accept requests:', JSON.stringify(acc.alone.pgWaits));
    rows.push(
      [`Accept latency of a 1,000-row request (one sender, ${acc.alone.requests} requests, worker stopped)`, `p50 ${acc.alone.p50Ms} ms, p99 ${acc.alone.p99Ms} ms (${acc.alone.failed} failed)`, 'p99 ≤ 60 ms', acc.alone.p99Ms <= 60 && acc.alone.failed === 0],
      [`Accept latency of a 1,000-row request (one sender, ${acc.besideProcessing.requests} requests, the worker processing the earlier ones)`, `p50 ${acc.besideProcessing.p50Ms} ms, p99 ${acc.besideProcessing.p99Ms} ms (${acc.besideProcessing.failed} failed)`, '—', null],
    );
  }
  rows.push(['Round trip of a 1,000-row request during the import (4 senders at once)', `p50 ${imp.acceptP50Ms} ms, p99 ${imp.acceptP99Ms} ms`, '—', null]);
  let stock: Awaited<ReturnType<typeof stockUpdates>> | undefined;
  if (runs('stock')) {
    await settle(env);
    // BENCH_PG_STATS=1: the stock scenario's own statement and table statistics, for profiling
    // (the statement statistics are reset again before the PATCH scenario).
    if (process.env.BENCH_PG_STATS) {
      await env.sql`select pg_stat_reset()`;
      await env.sql`create extension if not exists pg_stat_statements`.then(() => env.sql`select pg_stat_statements_reset()`).catch(() => {});
    }
    stock = await stockUpdates(env, who, warehouses.map((w) => ({ id: w.id, clientId: w.client_id })), size.updates);
    console.log('stock updates', stock);
    if (process.env.BENCH_PG_STATS) {
      // n_tup_newpage_upd is PostgreSQL 16's: null before.
      console.table(await env.sql`select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, (to_jsonb(s) ->> 'n_tup_newpage_upd')::bigint as n_tup_newpage_upd
        from pg_stat_user_tables s where n_tup_upd + n_tup_ins > 0 order by relname`);
      // The statements that took the time, where pg_stat_statements is loaded (shared_preload_libraries).
      console.table(await env.sql`select round(total_exec_time)::int as ms, calls, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 110) as query
        from pg_stat_statements order by total_exec_time desc limit 15`.catch(() => []));
    }
    rows.push(
      ['Stock updates (PATCH inventory)', `${stock.updatesPerSecond} updates/s = ${(stock.ratio * 100).toFixed(0)}% of UPDATE…FROM unnest (${stock.baselinePerSecond}/s) after a checkpoint, as ours; ${(stock.freshRatio * 100).toFixed(0)}% of it on pages written since (${stock.freshBaselinePerSecond}/s)`, '≥ 50% of baseline', stock.ratio >= 0.5],
      ['CPU seconds during the stock updates', cpuText(stock.cpu), '—', null],
    );
  }
  let patch: Awaited<ReturnType<typeof patchLatency>> | undefined;
  if (runs('patch')) {
    await settle(env);
    if (process.env.BENCH_PG_STATS) await env.sql`select pg_stat_statements_reset()`.catch(() => {});
    patch = await patchLatency(env, who, size.rate, size.seconds);
    console.log('PATCH latency', patch);
    if (patch.pgWaits) console.log('PostgreSQL waits over the PATCH scenario:', JSON.stringify(patch.pgWaits));
    rows.push([`PATCH product at ${patch.rate} req/s for ${patch.duration} s (open loop)`, `p50 ${patch.p50Ms} ms, p99 ${patch.p99Ms} ms, max ${patch.maxMs} ms; achieved ${Math.round(patch.requests / patch.seconds)} req/s (${patch.requests} requests, ${patch.non2xx} non-2xx, ${patch.errors} errors, sender lag ≤ ${patch.lagMs} ms, sender CPU ${patch.senderCpuUsPerRequest} µs a request)`, 'p50 ≤ 3 ms, p99 ≤ 15 ms', patch.p50Ms <= 3 && patch.p99Ms <= 15 && patch.non2xx === 0 && patch.errors === 0]);
    rows.push(['CPU seconds during the PATCH requests (warm-up included)', cpuText(patch.cpu), '—', null]);
  }
  let exported: (Awaited<ReturnType<typeof catalogExport>> & { workerPeakRssMiB: number }) | undefined;
  if (runs('export')) {
    workerRss.reset();
    const result = await catalogExport(env, store.storeClientId);
    exported = { ...result, workerPeakRssMiB: workerRss.peakMiB() };
    console.log('catalog export', exported);
    rows.push([`Export of the catalog (PIM, ${exported.products} products, NDJSON + CSV, local folder)`, `${exported.status} in ${exported.seconds} s, worker peak RSS ${exported.workerPeakRssMiB} MiB`, 'time, peak RSS (flat)', null]);
  }
  let variants: Awaited<ReturnType<typeof variantImport>> | undefined;
  if (runs('variants')) {
    // Informational (no target): a store of one warehouse, parents of 3 variants (bench/scenarios/variant-import.ts).
    const vstore = await createStore(env.sql, { partnerClientId: partner.partnerClientId, name: 'Variant store', warehouses: 1 });
    variants = await variantImport(env, { ...partner, ...vstore }, { parents: size.parents, variants: 3, rows: 250 });
    console.log('with-variants sync', variants);
    const w = variants.written;
    rows.push([`With-variants sync (catalog/with-variants/sync, ${size.parents.toLocaleString('en-US')} parents of 3 variants, 250 a request, 4 senders)`,
      `${variants.parentsPerSecond} parents/s (${variants.variantsPerSecond} variants/s) = ${(variants.ratio * 100).toFixed(0)}% of COPY of the same parents, variants and warehouse rows; ${variants.notOk} requests refused, ${w.failed} rows failed, ${w.variantsOff + w.totalsOff} stocks not their rows' sum`, '—', null],
      ['CPU seconds during the with-variants sync', cpuText(variants.cpu), '—', null]);
  }
  rows.push(['Peak RSS during the import', `API ${importRss} MiB, worker ${importWorkerRss} MiB`, '≤ 300 MiB each', importRss <= 300 && importWorkerRss <= 300]);
  const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-${quick ? 'quick' : 'full'}${partial ? '-partial' : ''}`;
  const table = [
    `Run ${new Date().toISOString()} (${quick ? 'quick' : 'full'} size${smallStores > 0 ? `, ${smallStores} small stores beside` : ''}) on ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, Node ${info.node}, ${info.postgres}.`,
    '', '| scenario | measured | target | met |', '| --- | --- | --- | --- |',
    ...rows.map(([s, m, t, ok]) => `| ${s} | ${m} | ${t} | ${ok === null ? '—' : ok ? 'yes' : 'no'} |`), '',
  ].join('\n');
  console.log(`\n${table}`);
  await mkdir('bench/results', { recursive: true });
  await writeFile(`bench/results/${stamp}.json`, JSON.stringify({ quick, size, machine: info, catalogImport: { ...imp, apiPeakRssMiB: importRss, workerPeakRssMiB: importWorkerRss }, acceptLatency: acc, stockUpdates: stock, patchLatency: patch, catalogExport: exported, variantImport: variants && { ...variants, failures: undefined } }, null, 2));
  await writeFile(`bench/results/${stamp}.md`, `${table}\n`);
  if (!quick && !partial) {
    const doc = await readFile('docs/performance.md', 'utf8');
    const marker = '## Latest results';
    await writeFile('docs/performance.md', `${doc.slice(0, doc.indexOf(marker) + marker.length)}\n\n${table}`);
  }
} finally {
  rss.stop();
  workerRss.stop();
  await env.close();
}
