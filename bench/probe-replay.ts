/**
 * Replays, uncontended, the last create statement of a catalog import that auto_explain
 * logged (its Query Text and Query Parameters), in a new store of the same database, inside a
 * transaction rolled back each time: the chunk's create statement and evaluate_quality timed,
 * or (explain) its EXPLAIN ANALYZE. How the eleventh session split a chunk's ~50 ms
 * (docs/performance.md). A statement's text edited in the log file is replayed as edited.
 *
 * Get a log and a database: a PostgreSQL with auto_explain (session_preload_libraries,
 * auto_explain.log_min_duration = '30ms'), then
 *   DATABASE_URL=<its postgres database> BENCH_KEEP_DB=1 BENCH_ROWS=20000 npm run bench -- --only=none
 * Run: node bin/run-ts.js bench/probe-replay.ts <server log> <database url> [create|explain] [times]
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { createStore } from '../src/stores/stores.js';

const [logFile, url, mode = 'create', times = '5'] = process.argv.slice(2);
const log = readFileSync(logFile, 'utf8');
const logged = log.split(/\n(?=\S.*LOG:  duration)/).filter((b) => b.includes('insert into products'));
if (logged.length === 0) throw new Error(`no create statement in ${logFile}`);
const b = logged[logged.length - 1];
const text = b.slice(b.indexOf('Query Text:') + 'Query Text:'.length, b.indexOf('\tQuery Parameters:'))
  .split('\n').map((l) => l.replace(/^\t {1,2}/, '')).join('\n');
const params: (string | null)[] = [];
const paramLine = b.slice(b.indexOf('Query Parameters:') + 'Query Parameters: '.length).split('\n')[0];
for (const m of paramLine.matchAll(/\$(\d+) = (?:'((?:[^']|'')*)'|NULL)(?:, |$)/g)) params[Number(m[1]) - 1] = m[2] === undefined ? null : m[2].replace(/''/g, "'");

const sql = postgres(url, { max: 1, onnotice: () => {} });
// A new store of the same partner, with as many warehouses, the batch's row copied to it.
const [old] = await sql`select p.client_id from stores s join partners p on p.id = s.partner_id where s.id = ${params[0]}`;
const store = await createStore(sql as any, { partnerClientId: old.client_id, name: 'replay', warehouses: 3 });
const pairs = await sql`
  select o.id as old, n.id as new
  from (select id, row_number() over (order by client_id) k from warehouses where store_id = ${params[0]}) o
  join (select id, row_number() over (order by client_id) k from warehouses where store_id = ${store.storeId}) n on n.k = o.k`;
const warehouse = new Map(pairs.map((r) => [r.old, r.new]));
params[0] = store.storeId;
params[params.length - 1] = params[params.length - 1]!.replace(/[0-9a-f-]{36}/g, (id) => warehouse.get(id) ?? id);
await sql`update batches set store_id = ${store.storeId} where id = ${params[1]}`;

for (let i = 0; i < Number(times); i++) {
  await sql.begin(async (tx) => {
    const started = performance.now();
    if (mode === 'explain') {
      const plan = await tx.unsafe(`explain (analyze, buffers) ${text}`, params as any[]);
      if (i === Number(times) - 1) console.log(plan.map((r: any) => r['QUERY PLAN']).join('\n'));
    } else {
      const rows = await tx.unsafe(text, params as any[], { prepare: true });
      const created = performance.now();
      await tx`select evaluate_quality(${store.storeId}::uuid, ${rows.map((r: any) => r.id)}::uuid[])`;
      console.log(`create ${(created - started).toFixed(1)} ms (${rows.length} rows), evaluate_quality ${(performance.now() - created).toFixed(1)} ms`);
    }
    throw Object.assign(new Error('rollback'), { rollback: true });
  }).catch((e) => { if (!e.rollback) throw e; });
}
await sql.end();
