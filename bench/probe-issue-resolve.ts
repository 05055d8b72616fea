/**
 * evaluate_quality in a store whose catalog has many open issues: does a chunk's evaluation read
 * the store's open issues, and grow with them? Two functions side by side (FNS, default
 * evaluate_quality_0106, a copy of 0106's, and evaluate_quality, the newest migration's; `fn:created`
 * calls fn with 0108's third argument, true: the products are new), each
 * with a store and a connection of its own (its plans kept, as a worker's):
 *  1. an import of CHUNKS (100) chunks of 1,000 new products without photos (MISSING_PHOTOS and
 *     LOW_QUALITY_SCORE each), alternating between the functions, each chunk's evaluate_quality
 *     timed, with the index entries of validation_issues it read; analyzeGrownTables after each
 *     chunk, as the worker. VI_AUTOVACUUM=off: validation_issues is never analysed meanwhile;
 *     VI_ANALYZE_AT=n: it is analysed once, after chunk n. SMALL_STORES=n: n other stores with 4 open
 *     issues each, analysed before the import.
 *  2. then, in the first store, 1,000 of its products evaluated unchanged ("existing"), given
 *     photos first ("fixed": their MISSING_PHOTOS resolve), and 1,000 new ones ("new"), each in a
 *     transaction rolled back, RUNS (11) times alternating, plans discarded before each: with the
 *     statistics as the import left them, then after an ANALYZE. PLANS_DIR: auto_explain's plans
 *     of the statements on validation_issues, one run of each, written there.
 * Run: node bin/run-ts.js bench/probe-issue-resolve.ts (DATABASE_URL: an empty database to migrate).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Sql } from '../src/db/database.js';
import { analyzeGrownTables } from '../src/db/statistics.js';
import { createStore } from '../src/stores/stores.js';
import { openProbeStore } from './lib/probe-database.js';

const CHUNK = 1000;
const CHUNKS = Number(process.env.CHUNKS ?? 100);
const RUNS = Number(process.env.RUNS ?? 11);
const FNS = (process.env.FNS ?? 'evaluate_quality_0106,evaluate_quality').split(',');
const PLANS_DIR = process.env.PLANS_DIR;
const SMALL_STORES = Number(process.env.SMALL_STORES ?? 0);
class Rollback extends Error {}
/** `fn:created`: fn told that the products are new (0108's third argument); timed on new products only. */
const callSql = (fn: string) => (fn.endsWith(':created')
  ? `select ${fn.slice(0, -':created'.length)}($1::uuid, $2::uuid[], true)` : `select ${fn}($1::uuid, $2::uuid[])`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rotate = <T>(xs: T[], n: number) => xs.map((_, i) => xs[(i + n) % xs.length]);

/** A connection that keeps its notices (auto_explain's plans at log_level notice). */
function session(url: string, notices: string[]) {
  const u = new URL(url);
  const host = u.searchParams.get('host');
  if (host?.startsWith('/')) u.searchParams.delete('host');
  return postgres(u.toString(), { ...(host?.startsWith('/') ? { host } : {}), max: 1,
    onnotice: (n) => notices.push(n.message), types: { bigint: postgres.BigInt } });
}

const probe = await openProbeStore(0);
const { sql, partner } = probe;
const sessions: postgres.Sql<{}>[] = [];
try {
  const source = await readFile('migrations/0106.do.own-variant-skus.sql', 'utf8');
  await sql.unsafe(/create or replace function evaluate_quality\([\s\S]*?end \$\$;/.exec(source)![0]
    .replace('function evaluate_quality(', 'function evaluate_quality_0106('));
  if (SMALL_STORES > 0) {
    // Issues spread thin: the statistics estimate any store at a few open issues.
    const [{ id: partnerId }] = await sql`select id from partners where client_id = ${partner.partnerClientId}`;
    await sql`with s as (insert into stores (partner_id, client_id, name)
        select ${partnerId}, 'small-' || g, 'small' from generate_series(1, ${SMALL_STORES}::int) g returning id)
      insert into validation_issues (store_id, product_id, code, severity, message)
      select s.id, p, c, 'WARNING', 'm' from s, lateral (select gen_random_uuid() as p from generate_series(1, 2)) ps,
        unnest(array['MISSING_PHOTOS', 'LOW_QUALITY_SCORE']) c`;
    await sql`analyze validation_issues`;
  }
  if (process.env.VI_AUTOVACUUM === 'off') await sql`alter table validation_issues set (autovacuum_enabled = false)`;
  const notices: string[] = [];
  const runs = await Promise.all(FNS.map(async (fn, i) => {
    const conn = session(probe.url, notices);
    sessions.push(conn);
    const storeId = i === 0 ? probe.storeId
      : (await createStore(sql, { partnerClientId: partner.partnerClientId, name: `S${i}`, warehouses: 0 })).storeId;
    return { fn, conn, storeId };
  }));
  async function setPlans(conn: postgres.Sql<{}>, on: 'on' | 'off') {
    await conn`load 'auto_explain'`;
    await conn.unsafe(`set auto_explain.log_min_duration = ${on === 'on' ? 0 : -1}`);
    await conn`set auto_explain.log_analyze = on`;
    await conn`set auto_explain.log_nested_statements = on`;
    await conn`set auto_explain.log_level = notice`;
  }
  async function savePlans(name: string) {
    await mkdir(PLANS_DIR!, { recursive: true });
    await writeFile(join(PLANS_DIR!, `${name}.txt`), notices.filter((m) => m.includes('validation_issues')).join('\n\n'));
  }
  const issueIndexReads = `select coalesce(sum(pg_stat_get_xact_tuples_returned(i.indexrelid)), 0)::int as n
    from pg_index i where i.indrelid = 'validation_issues'::regclass`;

  // 1. The import.
  // auto_explain's plans of chunks 2 and CHUNKS - 1 (timed with its overhead: not printed).
  const planned = new Set([2, CHUNKS - 1]);
  if (PLANS_DIR) for (const { conn } of runs) await setPlans(conn, 'off');
  const growth = new Map(FNS.map((fn) => [fn, [] as { ms: number; read: number }[]]));
  for (let n = 0; n < CHUNKS; n++) {
    for (const { fn, conn, storeId } of rotate(runs, n)) {
      if (PLANS_DIR && planned.has(n + 1)) { notices.length = 0; await setPlans(conn, 'on'); }
      const chunk = await conn.begin(async (tx) => {
        await tx`set local synchronous_commit = off`;
        const ids = (await tx<{ id: string }[]>`insert into products (store_id, external_id, sku, name, price, description)
          select ${storeId}::uuid, ${`c${n}-`} || g, ${`S${n}-`} || g, 'n', 10, 'Described' from generate_series(1, ${CHUNK}::int) g
          returning id`).map((r) => r.id);
        const [before] = await tx.unsafe(issueIndexReads);
        const start = performance.now();
        await tx.unsafe(callSql(fn), [storeId, ids]);
        const ms = performance.now() - start;
        const [after] = await tx.unsafe(issueIndexReads);
        return { ms, read: after.n - before.n };
      });
      growth.get(fn)!.push(chunk);
      if (PLANS_DIR && planned.has(n + 1)) { await setPlans(conn, 'off'); await savePlans(`import-chunk-${n + 1}.${fn}`); }
      await analyzeGrownTables(conn as unknown as Sql);
    }
    if (process.env.VI_ANALYZE_AT && n + 1 === Number(process.env.VI_ANALYZE_AT)) await sql`analyze validation_issues`;
  }
  console.log('import: evaluate_quality a chunk, ms (issue index entries read)');
  for (const n of [1, 3, 5, 10, 25, 50, 75, 100].filter((k) => k <= CHUNKS)) {
    console.log(`  chunk ${String(n).padStart(3)}`, FNS.map((fn) => { const c = growth.get(fn)![n - 1];
      return `${fn} ${c.ms.toFixed(1)} (${c.read})`; }).join('  '));
  }
  for (const [from, to] of [[1, 10], [CHUNKS - 9, CHUNKS]]) {
    console.log(`  median of chunks ${from}-${to}`, FNS.map((fn) => `${fn} ${median(growth.get(fn)!.slice(from - 1, to).map((c) => c.ms)).toFixed(1)}`).join('  '));
  }
  console.log('  total', FNS.map((fn) => `${fn} ${growth.get(fn)!.reduce((s, c) => s + c.ms, 0).toFixed(0)} ms`).join('  '));
  const [stats] = await sql`select n_live_tup::int, last_analyze, last_autoanalyze from pg_stat_user_tables where relname = 'validation_issues'`;
  const [cls] = await sql`select reltuples::bigint from pg_class where relname = 'validation_issues'`;
  console.log('  validation_issues:', JSON.stringify(stats), 'reltuples', String(cls.reltuples));

  // 2. A chunk of the first store's.
  const storeId = runs[0].storeId;
  const existing = (await sql<{ id: string }[]>`select id from products where store_id = ${storeId} and external_id like ${`c${Math.floor(CHUNKS / 2)}-%`} limit ${CHUNK}`)
    .map((r) => r.id);
  const scenarios = {
    existing: async () => existing,
    fixed: async (tx: postgres.TransactionSql<{}>) => {
      await tx`update products set photos = '{a}' where store_id = ${storeId} and id = any(${existing}::uuid[])`;
      return existing;
    },
    new: async (tx: postgres.TransactionSql<{}>) => (await tx<{ id: string }[]>`insert into products (store_id, external_id, sku, name, price, description)
      select ${storeId}::uuid, 'x-' || g, ${randomUUID()} || g, 'n', 10, 'Described' from generate_series(1, ${CHUNK}::int) g returning id`).map((r) => r.id),
  };
  /** One call, rolled back: its time (ms) and the issue index entries it read. */
  async function call(conn: postgres.Sql<{}>, fn: string, scenario: keyof typeof scenarios) {
    let out = { ms: 0, read: 0, raised: 0 };
    await conn.begin(async (tx) => {
      await tx`discard plans`;
      const ids = await scenarios[scenario](tx);
      const [before] = await tx.unsafe(issueIndexReads);
      const start = performance.now();
      await tx.unsafe(callSql(fn), [storeId, ids]);
      const ms = performance.now() - start;
      const [after] = await tx.unsafe(issueIndexReads);
      const [{ n }] = await tx`select count(*)::int as n from validation_issues where store_id = ${storeId} and product_id = any(${ids}::uuid[]) and not resolved`;
      out = { ms, read: after.n - before.n, raised: n };
      throw new Rollback();
    }).catch((err) => { if (!(err instanceof Rollback)) throw err; });
    return out;
  }
  for (const state of ['as imported', 'analysed']) {
    if (state === 'analysed') await sql`analyze`;
    const times = new Map<string, number[]>();
    const reads = new Map<string, string>();
    for (let r = 0; r < RUNS; r++) {
      for (const { fn, conn } of rotate(runs, r)) {
        for (const scenario of rotate(Object.keys(scenarios), r) as (keyof typeof scenarios)[]) {
          if (fn.endsWith(':created') && scenario !== 'new') continue;
          const c = await call(conn, fn, scenario);
          const key = `${scenario} ${fn}`;
          times.set(key, [...(times.get(key) ?? []), c.ms]);
          reads.set(key, `read ${c.read}, open after ${c.raised}`);
        }
      }
    }
    console.log(`a chunk, statistics ${state}: medians of ${RUNS}, ms`);
    for (const [key, ms] of [...times].sort()) console.log(`  ${key.padEnd(40)} ${median(ms).toFixed(1)}  (${reads.get(key)})`);
    if (PLANS_DIR) {
      await mkdir(PLANS_DIR, { recursive: true });
      for (const { fn, conn } of runs) {
        await setPlans(conn, 'on');
        for (const scenario of Object.keys(scenarios) as (keyof typeof scenarios)[]) {
          if (fn.endsWith(':created') && scenario !== 'new') continue;
          notices.length = 0;
          await call(conn, fn, scenario);
          await savePlans(`${state.replace(' ', '-')}.${fn}.${scenario}`);
        }
        await setPlans(conn, 'off');
      }
    }
  }
} finally {
  for (const conn of sessions) await conn.end();
  await probe.close();
}
