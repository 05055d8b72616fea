/**
 * What the hourly sweep of abandoned work (abandoned:fail) costs on a store's long history,
 * with and without 0091's partial indexes: BATCHES completed batches and BULK_JOBS completed
 * PIM bulk jobs (each batch with its 1,000 accepted row indexes),
 * plus a few unfinished ones. Outcomes are cut to 50 rows a batch (a real one holds 1,000, ~80 KB
 * of TOAST a batch): what a scan reads is the main heap, where such values are only pointers. Prints the plan of each of the sweep's two queries (EXPLAIN
 * ANALYZE of the very statements the task runs) and the median of RUNS executions, with the
 * indexes, then without (dropped in a transaction rolled back afterwards), and the time to
 * build them. Run: node bin/run-ts.js bench/probe-abandoned-sweep.ts (DATABASE_URL: a
 * database to migrate; without it, an embedded PostgreSQL).
 */
import type { Sql } from '../src/db/database.js';
import { abandonedBatches, abandonedBulkJobs } from '../src/jobs/abandoned-work.js';
import { openProbeStore } from './lib/probe-database.js';

const BATCHES = Number(process.env.BATCHES ?? 100_000);
const BULK_JOBS = Number(process.env.BULK_JOBS ?? 20_000);
const RUNS = Number(process.env.RUNS ?? 7);
const GRACE_MINUTES = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The plan of each sweep query, and the median execution time PostgreSQL reports over RUNS. */
async function measure(sql: Sql, label: string) {
  for (const [name, query] of [['batches', abandonedBatches], ['bulk_jobs', abandonedBulkJobs]] as const) {
    const times: number[] = [];
    let plan = '';
    for (let i = 0; i < RUNS; i++) {
      const rows = await sql<{ 'QUERY PLAN': string }[]>`explain (analyze, buffers) ${query(sql, GRACE_MINUTES)}`;
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      times.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)![1]));
    }
    console.log(`\n== ${label}: ${name} (median of ${RUNS}: ${median(times).toFixed(3)} ms; all: ${times.map((t) => t.toFixed(2)).join(', ')})\n${plan}`);
  }
}

const probe = await openProbeStore(0);
const { sql, partner, storeId } = probe;
try {
  // Completed a day ago and more, in chunks of 10,000 (one statement each), then a few unfinished.
  for (let from = 1; from <= BATCHES; from += 10_000) {
    await sql`
      insert into batches (store_id, id, kind, partner_id, request_id, status, total, succeeded, pending, accepted_seq,
        accepted_rows, outcomes, created_at, started_at, completed_at)
      select ${storeId}, 'pb_' || gen_random_uuid(), 'catalog.sync', ${partner.partnerId}, gen_random_uuid(), 'COMPLETED', 1000, 1000, 0, g,
        (select array_agg(i) from generate_series(0, 999) i),
        (select jsonb_agg(jsonb_build_object('rowIndex', i, 'status', 'SUCCEEDED', 'result', jsonb_build_object('id', gen_random_uuid()))) from generate_series(0, 49) i),
        now() - interval '1 day' - g * interval '1 minute', now() - interval '1 day', now() - interval '1 day'
      from generate_series(${from}::int, ${Math.min(from + 9_999, BATCHES)}::int) g`;
  }
  await sql`
    insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, created_at)
    select ${storeId}, 'pb_' || gen_random_uuid(), 'catalog.sync', ${partner.partnerId}, gen_random_uuid(), 'PENDING', 1000, 1000, ${BATCHES} + g,
      now() - g * interval '10 minutes'
    from generate_series(1, 5) g`;
  await sql`
    insert into bulk_jobs (store_id, job_type, status, payload, total_items, processed_items, created_by, created_at, completed_at)
    select ${storeId}, 'BULK_IMPORT', case when g <= 5 then 'PROCESSING' else 'COMPLETED' end, '[{"title":"A"}]', 1, 1, 'probe',
      now() - g * interval '10 minutes', case when g > 5 then now() end
    from generate_series(1, ${BULK_JOBS}::int) g`;
  await sql`vacuum analyze batches`;
  await sql`vacuum analyze bulk_jobs`;
  const [size] = await sql`select pg_size_pretty(pg_relation_size('batches')) as heap, pg_size_pretty(pg_total_relation_size('batches')) as total,
    pg_size_pretty(pg_relation_size('batches_unfinished_idx')) as idx, pg_size_pretty(pg_relation_size('bulk_jobs')) as bulk_heap`;
  console.log(`batches: ${BATCHES} completed + 5 unfinished; heap ${size.heap} (with TOAST and indexes ${size.total}); batches_unfinished_idx ${size.idx}; bulk_jobs heap ${size.bulk_heap}`);

  await measure(sql, 'with 0091');
  await sql.begin(async (tx) => {
    await tx`drop index batches_unfinished_idx`;
    await tx`drop index bulk_jobs_unfinished_idx`;
    await measure(tx as unknown as Sql, 'without 0091');
    const t = performance.now();
    await tx`create index batches_unfinished_idx on batches (created_at) where completed_at is null`;
    await tx`create index bulk_jobs_unfinished_idx on bulk_jobs (created_at) where status in ('PENDING', 'PROCESSING')`;
    console.log(`\nbuilding both indexes: ${(performance.now() - t).toFixed(0)} ms`);
    throw new Error('rollback'); // leaves the database as 0091 made it
  }).catch((err) => { if (err.message !== 'rollback') throw err; });
} finally {
  await probe.close();
}
