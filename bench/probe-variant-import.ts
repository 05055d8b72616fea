/**
 * The with-variants catalog sync end to end (bench/scenarios/variant-import.ts, which `npm run bench`
 * also runs at 20,000 parents): PARENTS (20,000) products of VARIANTS (3) variants each, ROWS (250)
 * parents a request, into a store of one warehouse, beside COPY. SMALL_STORES=N first seeds N other
 * stores as the bench does (bench/lib/small-stores.ts: 4 products each, one with variants keyed
 * SMALL-V1 and SMALL-V2 in every store; SMALL_STORE_PRODUCTS as BENCH_SMALL_STORE_PRODUCTS), analysed:
 * a marketplace whose stores share a variant SKU scheme. PG_STATS=1 (a server with
 * pg_stat_statements preloaded, track=all): the statements that took the time.
 * Run: node bin/run-ts.js bench/probe-variant-import.ts (DATABASE_URL: a server to create the
 * run's database on; unset, an embedded one).
 */
import { seedTaxonomy } from '../src/catalog/taxonomy.js';
import { createPartner } from '../src/partners/partners.js';
import { createStore } from '../src/stores/stores.js';
import { startBenchEnv } from './lib/environment.js';
import { seedSmallStores } from './lib/small-stores.js';
import { variantImport } from './scenarios/variant-import.js';

const PARENTS = Number(process.env.PARENTS ?? 20000);
const VARIANTS = Number(process.env.VARIANTS ?? 3);
const ROWS = Number(process.env.ROWS ?? 250);
const SMALL_STORES = Number(process.env.SMALL_STORES ?? 0);

const env = await startBenchEnv();
try {
  await seedTaxonomy(env.sql);
  const partner = await createPartner(env.sql, env.key, { name: 'Variant probe' });
  await seedSmallStores(env.sql, partner.partnerId, SMALL_STORES, Number(process.env.SMALL_STORE_PRODUCTS ?? 4));
  const store = await createStore(env.sql, { partnerClientId: partner.partnerClientId, name: 'Variant store', warehouses: 1 });
  const pgStats = process.env.PG_STATS === '1';
  if (pgStats) await env.sql`create extension if not exists pg_stat_statements`.then(() => env.sql`select pg_stat_statements_reset()`);
  const r = await variantImport(env, { ...partner, ...store }, { parents: PARENTS, variants: VARIANTS, rows: ROWS }, async () => {
    if (!pgStats) return;
    const top = await env.sql<{ ms: number; calls: number; query: string }[]>`select round(total_exec_time)::int as ms, calls::int,
      regexp_replace(left(query, 160), '[[:space:]]+', ' ', 'g') as query from pg_stat_statements order by total_exec_time desc limit 20`;
    for (const t of top) console.log(`${String(t.ms).padStart(6)} ms ${String(t.calls).padStart(6)} calls  ${t.query}`);
  });
  if (r.failures.length > 0) console.log('failed rows by code:', r.failures.map((f) => `${f.code} ${f.n}`).join(', '));
  const w = r.written;
  console.log(`${SMALL_STORES} small stores; ${PARENTS} parents of ${VARIANTS} variants, ${ROWS} a request (${r.requests} requests, ${r.notOk} not 200)`);
  console.log(`written: ${w.parents} parents, ${w.variants} variants, ${w.failed} rows failed; stock not the sum of its rows: ${w.variantsOff} variants, ${w.totalsOff} parents`);
  console.log(`with-variants sync: ${r.seconds} s = ${r.parentsPerSecond} parents/s, ${r.variantsPerSecond} variants/s`);
  console.log(`COPY of the same parents, variants and warehouse rows: ${r.copySeconds} s; the sync at ${Math.round(r.ratio * 100)}% of it`);
  const c = r.cpu;
  console.log(`CPU seconds: API ${c.api}, worker ${c.worker}, PostgreSQL ${c.postgres} (${Object.entries(c.postgresByRole ?? {}).map(([k, s]) => `${k} ${s.toFixed(2)}`).join(', ')}), bench ${c.bench}`);
} finally {
  await env.close();
}
