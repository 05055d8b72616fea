import type { Sql, Transaction } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { deleteByIds, rowsByIds } from '../db/rows-by-key.js';
import { analyzeGrownTables } from '../db/statistics.js';
import { afterProductsChanged } from '../catalog/after-products-changed.js';
import { emitEvents } from '../webhooks/outbox.js';
import { writeProducts } from '../catalog/product-writer.js';
import { findUnknownTaxonomy } from '../catalog/taxonomy-refs.js';
import type { RowOutcome } from '../batches/processors.js';
import { isolatingRefusedRows } from '../batches/row-isolation.js';
import { parsePayload, type JobType } from './bulk-jobs.js';
import { checkItems, setsPerVariantFields, firstIndexOfIds, type CheckedItem, type ItemError } from './bulk-job-items.js';
import { inPasses, keysHeld } from './bulk-job-passes.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { checkRecordedCodes } from '../http/plugins/declared-errors.js';
import { pimItemCodes } from '../http/row-codes.js';
import { storableText } from '../http/validation/unstorable-characters.js';
import { retryingLostRaces } from '../db/lost-races.js';

const CHUNK = 500;

/** origin: the request that created the job, named by its items' audit events (null for jobs queued before it was kept). */
interface JobContext {
  storeId: string; jobId: string; jobType: JobType; actor: string; origin: { requestId: string | null; ip: string | null };
  firstIndex?: Map<string, number>;
}

/** A taxonomy reference as a PIM item names it (seed 004: category, brand). */
const TAXONOMY_FIELDS: Record<string, string> = { categoryId: 'category', brandId: 'brand' };

/** The writer's and the row isolation's codes in the words of PIM item errors. */
const ITEM_ERRORS: Record<string, string> = {
  PRD_002: 'external_id already exists', PRD_003: 'sku already exists', PRD_001: 'product not found',
  PRD_011: 'price, special_price and sku are set per variant: the product has variants',
};
const itemError = (o: RowOutcome) => o.message
  ?? (o.code === 'VAL_001' ? `refused by the database: ${String((o.details?.context as { reason?: unknown } | undefined)?.reason ?? 'invalid value')}` : ITEM_ERRORS[o.code ?? ''] ?? o.code ?? 'failed');

/** Of the products these items update, those with variants (id by id, whatever the statistics say of the store: rows-by-key.ts). */
async function productsWithVariants(tx: Transaction, storeId: string, items: CheckedItem[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const found = await tx<{ id: string }[]>`
    ${rowsByIds(tx, { table: 'products', storeId, ids: items.map((r) => r.id!), where: 'x.has_variants' }, 'x.id')}`;
  return new Set(found.map((p) => p.id));
}

/**
 * Applies checked items, set-based: one DELETE, or the writer's statements, then one audit
 * insert and one evaluation of the data-quality rules for the products written.
 */
async function applyItems(tx: Transaction, job: JobContext, items: CheckedItem[]): Promise<RowOutcome[]> {
  let outcomes: RowOutcome[];
  if (job.jobType === 'BULK_DELETE') {
    const deleted = await deleteByIds<{ id: string; external_id: string | null; sku: string | null; name: string }>(tx,
      { table: 'products', storeId: job.storeId, ids: items.map((r) => r.id!) }, 'id, external_id, sku, name');
    const gone = new Map(deleted.map((d) => [d.id, d]));
    outcomes = items.map((r): RowOutcome => {
      const d = gone.get(r.id!);
      return d
        ? { rowIndex: r.rowIndex, status: 'SUCCEEDED', result: { id: r.id, externalId: d.external_id, sku: d.sku,
          audit: { before: { externalId: d.external_id, sku: d.sku, name: d.name } } } }
        : { rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_001' };
    });
  } else {
    // Items setting what a product with variants keeps on its variants fail PRD_011, told here;
    // the writer also refuses them (allowVariants), should the product take variants meanwhile.
    const perVariant = items.filter((r) => r.write!.mode === 'update' && setsPerVariantFields(r.write!.input));
    const withVariants = await productsWithVariants(tx, job.storeId, perVariant);
    const refused = new Set(perVariant.filter((r) => withVariants.has(r.id!)));
    outcomes = [...refused].map((r) => ({ rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_011' }));
    // A category or brand id that names nothing fails the item, as the Partner API refuses it (PRD_007).
    const unknownRefs = await findUnknownTaxonomy(tx, items.filter((r) => !refused.has(r)).map((r) => r.write!.input));
    for (const r of items) {
      const bad = unknownRefs.get(r.write!.input);
      if (!bad) continue;
      refused.add(r);
      outcomes.push({ rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_007', message: `${TAXONOMY_FIELDS[bad.field] ?? bad.field} ${bad.id} does not exist` });
    }
    const writable = items.filter((r) => !refused.has(r));
    for (const pass of inPasses(writable, await keysHeld(tx, job.storeId, writable))) {
      // PIM stores a specialPrice at or above price, as it imports one, and raises a data-quality issue for it.
      const written = await writeProducts(tx, job.storeId, pass.map((r) => r.write!), { specialPriceRule: false });
      outcomes.push(...written.map((o): RowOutcome => (o.ok
        ? { rowIndex: o.rowIndex, status: 'SUCCEEDED', result: { id: o.id, externalId: o.externalId ?? null, sku: o.sku ?? null, audit: o.changes } }
        // The writer's PRD_005 (a row naming a product it may not update) is, for a PIM item, a product
        // that is not there: PRD_001, "Product not found" (it was PRD_005, "Product id does not match").
        : { rowIndex: o.rowIndex, status: 'FAILED', code: o.code === 'PRD_005' ? 'PRD_001' : o.code })));
    }
    // The writer left such an item as "not found" when its product took variants after the look
    // above (a PATCH with a variant set committed while the write waited for the product): said
    // now, the product's has_variants read after that commit.
    const leftOut = new Set(outcomes.filter((o) => o.code === 'PRD_001').map((o) => o.rowIndex));
    const asked = perVariant.filter((r) => leftOut.has(r.rowIndex));
    const tookVariants = await productsWithVariants(tx, job.storeId, asked);
    const refusedNow = new Set(asked.filter((r) => tookVariants.has(r.id!)).map((r) => r.rowIndex));
    for (const o of outcomes) if (refusedNow.has(o.rowIndex)) o.code = 'PRD_011';
  }
  const done = outcomes.filter((o) => o.status === 'SUCCEEDED');
  const ids = done.map((o) => o.result!.id as string);
  const action = job.jobType === 'BULK_IMPORT' ? 'product.created' : job.jobType === 'BULK_UPDATE' ? 'product.updated' : 'product.deleted';
  // An update that found every value already there succeeds and says nothing, as a Partner bulk
  // row (product-batches.ts): no audit event (it wrote one naming no change) and no product.updated.
  const told = done.filter((o) => job.jobType !== 'BULK_UPDATE' || Object.keys((o.result!.audit as object | undefined) ?? {}).length > 0);
  // What each item changed (an update's fields before and after, a deletion's keys and name), as
  // the Partner API's events say it: the log tells who changed what (seed 004).
  await recordAudit(tx, told.map((o) => ({
    storeId: job.storeId, actorType: 'user' as const, actor: job.actor, action, resourceType: 'product', resourceId: o.result!.id as string,
    changes: { ...(o.result!.audit as Record<string, unknown> | undefined), bulkJobId: job.jobId },
    requestId: job.origin.requestId, ipAddress: job.origin.ip,
  })));
  // The store's partner hears of them as of its own writes (a catalog team renaming or deleting
  // its products through PIM left its ERP's copy stale, QA), with the job's id for the batch's:
  // the partner operating the store when the chunk is written (it was read once when the job
  // started: the chunks after another partner claimed the store were told to no one; QA).
  const [{ partner_id: partnerId }] = await tx<{ partner_id: string }[]>`select partner_id from stores where id = ${job.storeId}`;
  await emitEvents(tx, {
    partnerId, types: [action],
    build: () => told.map((o) => ({
      partnerId, storeId: job.storeId, type: action,
      payload: {
        id: o.result!.id, externalId: o.result!.externalId ?? undefined, sku: o.result!.sku ?? undefined, bulkJobId: job.jobId,
        ...(action === 'product.updated' ? { updatedFields: Object.keys(o.result!.audit as object) } : {}),
      },
    })),
  });
  await afterProductsChanged(tx, job.storeId, [...new Set(ids)]);
  return outcomes;
}

/** What the chunks processed since the job's counters were last written add to them. */
interface Uncounted { ok: number; failed: ItemError[]; items: number; applied: boolean }

/**
 * One chunk of the job's items (from `offset`), in the caller's transaction: every item gets
 * exactly one outcome, added to `into` (processed, or failed with its item error).
 * A chunk that PostgreSQL refuses for what its items hold (SQLSTATE 22, 23) is applied again
 * in halves down to the items it refuses alone (row-isolation.ts), which fail; the others apply.
 */
async function applyChunk(tx: Transaction, job: JobContext, items: unknown[], offset: number, into: Uncounted) {
  const { checked, errors } = checkItems(job.jobId, job.jobType, items, offset, job.firstIndex);
  const outcomes = checked.length === 0 ? [] : await isolatingRefusedRows(tx, checked, (sp, some) => applyItems(sp, job, some));
  const failed: ItemError[] = [...errors, ...outcomes.filter((o) => o.status === 'FAILED').map((o) => ({ index: o.rowIndex, code: o.code!, error: itemError(o) }))];
  checkRecordedCodes('a PIM bulk job item', failed, pimItemCodes);
  const ok = outcomes.length - (failed.length - errors.length);
  into.ok += ok;
  into.failed.push(...failed.sort((a, b) => a.index - b.index));
  into.items += items.length;
  into.applied ||= ok > 0;
}

/**
 * The counters and item errors of the uncounted chunks, written in one statement, on the condition
 * that the job's recorded progress is still `expected`, where this run's last commit left it: else
 * another worker took the job over (this one was silent past WORKER_STALE_MS, a paused VM or
 * container, and then went on) and has counted items since, and JobTakenOver rolls back this
 * transaction, its writes with it. Without it a worker that came back ran on from its own offset
 * beside the new one: every item after it counted twice, an import's as PRD_002 failures (QA:
 * 20,000 items, 37,000 counted, 17,000 false failures).
 */
async function countItems(tx: Transaction, job: JobContext, uncounted: Uncounted, expected: number, room: number) {
  // The errors the job still has room for (MAX_ITEM_ERRORS); the others are counted, not kept.
  const kept = uncounted.failed.slice(0, Math.max(0, room));
  const counted = await tx`
    update bulk_jobs set processed_items = processed_items + ${uncounted.ok}, failed_items = failed_items + ${uncounted.failed.length},
      item_errors = item_errors || ${tx.json(kept.map((f) => ({ ...f, error: storableText(f.error) })) as any)}::jsonb
    where store_id = ${job.storeId} and id = ${job.jobId} and status = 'PROCESSING' and processed_items + failed_items = ${expected}
    returning 1`;
  if (counted.length === 0) throw new JobTakenOver(job.jobId);
}

/**
 * How many stored item errors a write of the counters may rewrite per item it counts.
 * item_errors is one jsonb value, and each write appending to it rewrites it whole: written
 * after every chunk of 500, a BULK_DELETE of 80,000 unknown ids rewrote 6.4 million errors
 * (17.5 s; 20,000 ids: 0.9 s). Written once the items since the last write number at least
 * 1/8 of the errors stored, a job rewrites at most 9 errors an item in all; a job with fewer
 * than 4,000 failed items still writes after every chunk.
 */
const REWRITE_PER_ITEM = 8;

/**
 * The item errors a job keeps: those of its first 100,000 failed items (`failed_items` counts them
 * all). One jsonb value holds them, and PostgreSQL refuses one over 256 MB: a 10 MB payload of 3.5
 * million failing items ("" ids) would have needed ~290 MB, and its counters' write, and the
 * failure that ends the job, would have failed on every attempt (QA).
 */
export const MAX_ITEM_ERRORS = 100_000;

/** Thrown to roll back a transaction that applied nothing (processBulkJob). */
class NothingApplied extends Error {}

/**
 * Thrown when another worker counted the job's items since this run's last commit (countItems):
 * this run stops, rolled back, and its job fails (graphile-worker then leaves alone the job row
 * it no longer holds), neither retried into the other's way nor ending the bulk job (tasks.ts).
 * Returning instead counted as done, and graphile-worker deleted the job's row by its id alone,
 * under the worker still running it: nothing left to retry it, and the abandoned-work sweep
 * failed the bulk job under it (review).
 */
export class JobTakenOver extends Error {
  constructor(jobId: string) { super(`bulk job ${jobId}: another worker counted its items since this run's last commit (it took the job over); this run stops`); }
}

/**
 * Runs a PIM bulk job on the catalog engine of the Partner API (writeProducts,
 * set-based per chunk). A transaction commits its chunks' writes with the job's progress,
 * so a job that dies resumes after the last committed chunk (every item of a committed
 * chunk is counted once, processed or failed, so their sum is the resume offset).
 * When writing the progress is not yet due (REWRITE_PER_ITEM), a transaction that applied
 * nothing (its items all failed) is rolled back, its items counted with a later one's: a job
 * that dies first checks them again, none having applied. One that applied something goes on
 * with the next chunk until the write is due, and commits then.
 */
export async function processBulkJob(sql: Sql, storeId: string, jobId: string, actor: string, origin: JobContext['origin'] = { requestId: null, ip: null },
  maxItemErrors = MAX_ITEM_ERRORS) {
  const [job] = await sql<any[]>`
    select j.job_type, j.payload, j.processed_items, j.failed_items from bulk_jobs j
    where j.store_id = ${storeId} and j.id = ${jobId} and j.status in ('PENDING', 'PROCESSING')`;
  if (!job) return;
  const { items } = parsePayload(job.job_type, job.payload);
  // PROCESSING and total_items in one statement: the seed populates total_items once the job
  // starts processing, and a poll between two statements saw PROCESSING without it.
  const started = await sql`
    update bulk_jobs set status = 'PROCESSING', started_at = coalesce(started_at, now()), total_items = ${items.length}
    where store_id = ${storeId} and id = ${jobId} and status in ('PENDING', 'PROCESSING') returning 1`;
  if (started.length === 0) return;
  const context: JobContext = { storeId, jobId, jobType: job.job_type, actor, origin, firstIndex: job.job_type === 'BULK_DELETE' ? firstIndexOfIds(items) : undefined };
  let offset = job.processed_items + job.failed_items;
  let stored: number = Math.min(job.failed_items, maxItemErrors); // the item errors stored, one a failed item up to the cap
  let uncounted: Uncounted = { ok: 0, failed: [], items: 0, applied: false };
  while (offset < items.length) {
    // A transaction PostgreSQL ends for a deadlock (with a partner's chunk or PATCH on the same
    // products) runs again at once, from the progress it started with (lost-races.ts).
    const start = { offset, uncounted: structuredClone(uncounted) };
    await retryingLostRaces(() => {
      offset = start.offset;
      uncounted = structuredClone(start.uncounted);
      return sql.begin(async (tx) => {
        for (;;) {
          await applyChunk(tx, context, items.slice(offset, offset + CHUNK), offset, uncounted);
          offset += CHUNK;
          if (offset >= items.length || uncounted.items * REWRITE_PER_ITEM >= stored) break;
          if (!uncounted.applied) throw new NothingApplied();
        }
        // Recorded so far, if no other worker counted since: this run's offset when the transaction
        // began, less the items it had checked but not counted yet.
        await countItems(tx, context, uncounted, start.offset - start.uncounted.items, maxItemErrors - stored);
      });
    }).then(() => {
      stored = Math.min(stored + uncounted.failed.length, maxItemErrors);
      uncounted = { ok: 0, failed: [], items: 0, applied: false };
    }, (err) => { if (!(err instanceof NothingApplied)) throw err; });
    await analyzeGrownTables(sql); // as the partner pipeline's chunks (statistics.ts)
  }
  // Still PROCESSING: a job ended FAILED meanwhile (failBulkJob, the abandoned-work sweep) stays so.
  await sql`
    update bulk_jobs set status = case when processed_items = 0 and total_items > 0 then 'FAILED' else 'COMPLETED' end, completed_at = now()
    where store_id = ${storeId} and id = ${jobId} and status = 'PROCESSING'`;
}

/** The code of an item that a job given up on never applied, as a partner batch's row (batch-failure.ts). */
const NOT_PROCESSED = 'BAT_003' satisfies ErrorCode;

/**
 * Ends a job that cannot go on (its stored payload unreadable, or its last attempt failed):
 * FAILED, each item not yet applied counted failed with the reason, so that the job does
 * not stay PROCESSING for ever.
 */
export async function failBulkJob(sql: Sql, storeId: string, jobId: string, reason: string, itemCount?: number, maxItemErrors = MAX_ITEM_ERRORS) {
  // itemCount: the payload's items, for a job that never started (its total_items not yet set).
  const [ended] = await sql`
    update bulk_jobs set status = 'FAILED', completed_at = now(), total_items = coalesce(total_items, ${itemCount ?? null}::int),
      failed_items = greatest(coalesce(total_items, ${itemCount ?? 0}::int) - processed_items, failed_items),
      item_errors = item_errors || coalesce((select jsonb_agg(jsonb_build_object('index', i, 'code', ${NOT_PROCESSED}::text,
          'error', ${`not processed: ${reason}`}::text) order by i)
        from generate_series(processed_items + failed_items, coalesce(total_items, ${itemCount ?? 0}::int) - 1) i
        where i < processed_items + failed_items + ${maxItemErrors}::int - jsonb_array_length(item_errors)), '[]')
    where store_id = ${storeId} and id = ${jobId} and status in ('PENDING', 'PROCESSING') returning 1`;
  if (ended) checkRecordedCodes('a PIM bulk job item given up on', [{ code: NOT_PROCESSED }], pimItemCodes);
}
