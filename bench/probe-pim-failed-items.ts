/**
 * What a PIM BULK_DELETE of IDS unknown product ids costs (every item fails PRD_005): the time
 * processBulkJob takes, and how large the job's item_errors end. Each 500-item chunk used to
 * append its errors to item_errors (`item_errors || chunk`), rewriting the whole jsonb, so the
 * time grew with the square of the failed items. Run: IDS=80000 node bin/run-ts.js
 * bench/probe-pim-failed-items.ts (DATABASE_URL: a database to migrate; without it, an embedded
 * PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { processBulkJob } from '../src/pim/bulk-job-processing.js';
import { openProbeStore } from './lib/probe-database.js';

const IDS = Number(process.env.IDS ?? 20_000);

const probe = await openProbeStore(0);
const { sql, storeId } = probe;
try {
  const payload = JSON.stringify(Array.from({ length: IDS }, () => randomUUID()));
  const [job] = await sql`insert into bulk_jobs (store_id, job_type, payload, created_by)
    values (${storeId}, 'BULK_DELETE', ${payload}, 'probe@example.com') returning id`;
  const started = performance.now();
  await processBulkJob(sql, storeId, job.id, 'probe@example.com');
  const ms = performance.now() - started;
  const [end] = await sql`select status, failed_items, pg_column_size(item_errors) as bytes from bulk_jobs where id = ${job.id}`;
  console.log(`${IDS} unknown ids: ${(ms / 1000).toFixed(1)} s (${end.status}, ${end.failed_items} failed, item_errors ${end.bytes} bytes stored)`);
} finally {
  await probe.close();
}
