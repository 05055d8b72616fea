import type { Queryable, Sql, Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { pageWithTotal } from '../db/page.js';
import { microsOf, pageAndCursor, timeCursor } from '../db/list-cursor.js';
import { recordAudit } from '../audit/audit-log.js';
import type { PimPrincipal } from './pim-auth.js';

export type JobType = 'BULK_IMPORT' | 'BULK_UPDATE' | 'BULK_DELETE';

/** A job as a list shows it: the seed's job record (payload echoed), without its item errors. */
const listed = (j: any) => ({
  id: j.id, job_type: j.job_type, status: j.status, payload: j.payload, payload_bytes: j.payload_bytes, total_items: j.total_items,
  processed_items: j.processed_items, failed_items: j.failed_items, created_by: j.created_by,
  created_at: j.created_at.toISOString(), started_at: j.started_at?.toISOString() ?? null, completed_at: j.completed_at?.toISOString() ?? null,
});
const view = (j: any) => ({ ...listed(j), item_errors: j.item_errors });
/**
 * What a job's view reads, named (not `*`): a statement prepared with `*` fails once a column is
 * added under it, "cached plan must not change result type", in a transaction on every pooled
 * connection (QA: an older process's PIM creates during an upgrade that added one).
 */
const JOB_COLUMNS = (sql: Queryable) => sql`id, job_type, status, payload, octet_length(payload) as payload_bytes, total_items, processed_items,
  failed_items, created_by, created_at, started_at, completed_at, item_errors`;
export type BulkJobView = ReturnType<typeof view>;

/** How deep a payload may nest: a product object in the array, its photos in it, is 3 levels. */
const MAX_DEPTH = 64;

/**
 * Whether a parsed JSON value nests deeper than `max`, walked without recursion: JSON.parse
 * reads thousands of levels, and JSON.stringify (and any recursive walk) of them then
 * overflowed the stack, a 500.
 */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * payload: a JSON array, given as JSON or as a string of JSON; kept as the exact text (seed 004:
 * "the raw content you sent in the payload field"): the string, or `raw`, the array's text as it
 * stood in the request body, when the caller has it (else it is serialised anew).
 */
export function parsePayload(jobType: JobType, payload: unknown, raw?: string): { text: string; items: unknown[] } {
  let value = payload;
  if (typeof payload === 'string') {
    try { value = JSON.parse(payload); } catch { throw new AppError('PIM_005', { reason: 'payload is not valid JSON' }); }
  }
  if (nestedDeeperThan(value, MAX_DEPTH)) throw new AppError('PIM_005', { reason: `payload is nested more than ${MAX_DEPTH} levels deep` });
  const text = typeof payload === 'string' ? payload : raw ?? JSON.stringify(payload);
  if (!Array.isArray(value)) throw new AppError('PIM_005', { reason: 'payload must be a JSON array' });
  if (jobType !== 'BULK_DELETE' && value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw new AppError('PIM_005', { reason: 'each item must be a product object' });
  }
  // As an import's items must be objects: a deletion's must be ids (strings); one that is not a
  // product id then fails as its item, as an import's item with a bad field does.
  if (jobType === 'BULK_DELETE' && value.some((v) => typeof v !== 'string')) {
    throw new AppError('PIM_005', { reason: 'each item must be a product id (a string)' });
  }
  return { text, items: value };
}

/** The request that created a job: its items' audit events name it, as a partner batch's name the accepting request. */
export interface JobOrigin { requestId: string; ip: string }

/**
 * Creates the job (PENDING), its processing job and its `bulk_job.created` audit event in one
 * transaction (the caller's: the Idempotency-Key's record joins it): a refused request writes none of them, an accepted one all three. The event says
 * what was asked (type and how many items), not the payload: the job keeps that, and each item's
 * change has its own event when it applies (bulk-job-processing.ts). Processing is asynchronous.
 */
export async function createBulkJob(tx: Transaction, who: PimPrincipal, jobType: JobType, payload: unknown, origin: JobOrigin, rawPayload?: string) {
  const { text, items } = parsePayload(jobType, payload, rawPayload);
  const [job] = await tx`
    insert into bulk_jobs (store_id, job_type, payload, created_by) values (${who.storeId}, ${jobType}, ${text}, ${who.email})
    returning ${JOB_COLUMNS(tx)}`;
  await enqueueJob(tx, 'pim.bulk-job', { storeId: who.storeId, jobId: job.id, actor: who.email, ...origin });
  await recordAudit(tx, [{
    storeId: who.storeId, actorType: 'user', actor: who.email, action: 'bulk_job.created', resourceType: 'bulk_job', resourceId: job.id,
    changes: { bulkJobId: job.id, jobType, items: items.length }, requestId: origin.requestId, ipAddress: origin.ip,
  }]);
  return view(job);
}

/**
 * The job type a list asks for: `type` (the seed's workflow, `type=BULK_IMPORT`) or `job_type`
 * (its parameter's name, as in the job itself), one filter under two names; BULK_UPDATE when
 * neither is given (the seed's default). Both, different: VAL_001 naming them.
 */
export function listedJobType(q: { type?: JobType; job_type?: JobType }): JobType {
  if (q.type && q.job_type && q.type !== q.job_type) {
    throw new AppError('VAL_001', { validationErrors: { querystring: {
      job_type: `job_type (${q.job_type}) and type (${q.type}) are two names of one filter: send one, or the same value in both`,
    } } });
  }
  return q.job_type ?? q.type ?? 'BULK_UPDATE';
}

/**
 * The largest payload the bulk job list answers (bytes of its text, UTF-8): octet_length reads a
 * stored payload's size from its TOAST pointer, not the payload (review).
 */
export const LISTED_PAYLOAD_BYTES = 256 * 1024;

/** The most payload bytes one page of the list answers, its jobs' in order (later ones `null`, as a payload over LISTED_PAYLOAD_BYTES). */
export const LISTED_PAGE_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** The bulk job list's cursor: the page's last job's creation time and id, the list's order (db/list-cursor.ts). */
const jobsCursor = timeCursor('bulk-jobs');

export async function listBulkJobs(sql: Queryable, storeId: string, jobType: JobType, page: number, limit: number, after?: string) {
  const key = after === undefined ? undefined : jobsCursor.decode(after, page);
  const offset = key ? 0 : (page - 1) * limit;
  const { total, rows } = await pageWithTotal<any>(sql,
    sql`select count(*)::int as total from bulk_jobs where store_id = ${storeId} and job_type = ${jobType}`,
    // Every column but item_errors, which the list leaves out (README, Decisions): not even read.
    // The row beyond the page only tells that another page follows: its payload (as sent, up to
    // BODY_LIMIT_BYTES) is not read (review). The window counts the rows the offset skips too.
    // A payload over LISTED_PAYLOAD_BYTES is left out too (null; GET by id answers it): a page of
    // 10 MB payloads was a 500 (beyond a V8 string) or hundreds of MB (QA).
    // And the page's payloads together at most LISTED_PAGE_PAYLOAD_BYTES, in the page's order: a
    // page of 100 jobs of 240 KB was 27 MB, and 8 such polls at once took the API to 1.27 GB (QA).
    sql`select id, job_type, status, payload_bytes,
          case when listed and sum(case when listed then payload_bytes else 0 end) over (order by created_at desc, id desc rows unbounded preceding)
            <= ${LISTED_PAGE_PAYLOAD_BYTES} then payload end as payload,
          total_items, processed_items, failed_items, created_by, created_at, started_at, completed_at, created_micros
        from (select id, job_type, status, payload, octet_length(payload) as payload_bytes,
            row_number() over (order by created_at desc, id desc) <= ${offset + limit} and octet_length(payload) <= ${LISTED_PAYLOAD_BYTES} as listed,
            total_items, processed_items, failed_items, created_by, created_at, started_at, completed_at,
            ${microsOf(sql, sql`created_at`)} as created_micros
          from bulk_jobs where store_id = ${storeId} and job_type = ${jobType} ${jobsCursor.after(sql, key, sql`created_at`, sql`id`)}
          order by created_at desc, id desc limit ${limit + 1} offset ${offset}) page
        order by created_at desc, id desc`);
  const { page: jobs, nextCursor } = pageAndCursor(rows, limit, (last) => jobsCursor.encode({ micros: last.created_micros, id: last.id }));
  return { total, items: jobs.map(listed), nextCursor };
}

export async function getBulkJob(sql: Queryable, storeId: string, id: string) {
  const [job] = await sql`select ${JOB_COLUMNS(sql)} from bulk_jobs where store_id = ${storeId} and id = ${id}`;
  if (!job) throw new AppError('PIM_004', { id });
  return view(job);
}
