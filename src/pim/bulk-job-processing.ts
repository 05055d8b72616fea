import type { Sql, Transaction } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { analyzeGrownTables } from '../db/statistics.js';
import { afterProductsChanged } from '../catalog/after-products-changed.js';
import { writeProducts, type ProductWriteRow } from '../catalog/product-writer.js';
import { parsePayload, type JobType } from './bulk-jobs.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHUNK = 500;

interface ItemError { index: number; error: string }

/** A PIM product object (snake_case, title = name) as the writer's camelCase input; null when unusable. */
function toInput(item: Record<string, any>, requireTitle: boolean): { input: Record<string, unknown> } | { error: string } {
  if (requireTitle && (typeof item.title !== 'string' || item.title.trim() === '')) return { error: 'title is required' };
  const input: Record<string, unknown> = {};
  const str = (k: string, to: string, max = 255) => {
    if (item[k] === undefined) return null;
    if (typeof item[k] !== 'string' || item[k].length > max) return `${k} must be a string of at most ${max} characters`;
    input[to] = item[k];
    return null;
  };
  const num = (k: string, to: string) => {
    if (item[k] === undefined || item[k] === null) return null;
    const n = typeof item[k] === 'string' ? Number(item[k]) : item[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return `${k} must be a non-negative number`;
    input[to] = n;
    return null;
  };
  const uuid = (k: string, to: string) => {
    if (item[k] === undefined || item[k] === null) return null;
    if (typeof item[k] !== 'string' || !UUID.test(item[k])) return `${k} must be a uuid`;
    input[to] = item[k];
    return null;
  };
  const problems = [
    str('title', 'name'), str('description', 'description', 10000), str('sku', 'sku', 100), str('barcode', 'barcode', 14),
    str('external_id', 'externalId'), num('price', 'price'), num('special_price', 'specialPrice'),
    uuid('category_id', 'categoryId'), uuid('brand_id', 'brandId'),
  ].filter(Boolean);
  if (Array.isArray(item.photos)) input.photos = item.photos.filter((p: unknown) => typeof p === 'string');
  return problems.length ? { error: problems.join('; ') } : { input };
}

async function applyChunk(tx: Transaction, storeId: string, jobId: string, jobType: JobType, actor: string, items: unknown[], offset: number) {
  const errors: ItemError[] = [];
  let ids: string[] = [];
  if (jobType === 'BULK_DELETE') {
    const wanted = items.map((v, k) => ({ index: offset + k, id: typeof v === 'string' && UUID.test(v) ? v.toLowerCase() : null }));
    wanted.filter((w) => !w.id).forEach((w) => errors.push({ index: w.index, error: 'not a product id' }));
    const deleted = await tx<{ id: string }[]>`delete from products where store_id = ${storeId} and id = any(${wanted.flatMap((w) => (w.id ? [w.id] : []))}::uuid[]) returning id`;
    const gone = new Set(deleted.map((d) => d.id));
    wanted.filter((w) => w.id && !gone.has(w.id)).forEach((w) => errors.push({ index: w.index, error: 'product not found' }));
    ids = [...gone];
  } else {
    const rows: ProductWriteRow[] = [];
    items.forEach((raw, k) => {
      const index = offset + k;
      const item = raw as Record<string, any>;
      const mapped = toInput(item, jobType === 'BULK_IMPORT');
      if ('error' in mapped) { errors.push({ index, error: mapped.error }); return; }
      if (jobType === 'BULK_UPDATE') {
        if (typeof item.id !== 'string' || !UUID.test(item.id)) { errors.push({ index, error: 'id (the product id) is required' }); return; }
        rows.push({ rowIndex: index, mode: 'update', id: item.id, input: mapped.input, placement: { kind: 'none' }, allowVariants: true });
      } else {
        // A stable externalId when none is given: a rerun of the chunk finds it and creates nothing twice.
        rows.push({ rowIndex: index, mode: 'create', input: { externalId: `pim:${jobId}:${index}`, ...mapped.input }, placement: { kind: 'none' } });
      }
    });
    // PIM stores a specialPrice at or above price, as it imports one, and raises a data-quality issue for it.
    const outcomes = await writeProducts(tx, storeId, rows, { specialPriceRule: false });
    for (const o of outcomes) {
      if (o.ok) ids.push(o.id!);
      else errors.push({ index: o.rowIndex, error: o.code === 'PRD_005' ? 'product not found' : o.code === 'PRD_002' ? 'external_id already exists' : 'sku already exists' });
    }
  }
  const action = jobType === 'BULK_IMPORT' ? 'product.created' : jobType === 'BULK_UPDATE' ? 'product.updated' : 'product.deleted';
  await recordAudit(tx, ids.map((id) => ({ storeId, actorType: 'user' as const, actor, action, resourceType: 'product', resourceId: id, changes: { bulkJobId: jobId } })));
  await afterProductsChanged(tx, storeId, ids);
  return { ok: ids.length, errors };
}

/**
 * Runs a PIM bulk job on the catalog engine of the Partner API (writeProducts,
 * set-based per chunk). Each chunk commits with the job's progress, so a job
 * that dies resumes after the last committed chunk.
 */
export async function processBulkJob(sql: Sql, storeId: string, jobId: string, actor: string) {
  const [job] = await sql<any[]>`
    update bulk_jobs set status = 'PROCESSING', started_at = coalesce(started_at, now())
    where store_id = ${storeId} and id = ${jobId} and status in ('PENDING', 'PROCESSING') returning *`;
  if (!job) return;
  const { items } = parsePayload(job.job_type, job.payload);
  await sql`update bulk_jobs set total_items = ${items.length} where store_id = ${storeId} and id = ${jobId}`;
  for (let offset = job.processed_items + job.failed_items; offset < items.length; offset += CHUNK) {
    await sql.begin(async (tx) => {
      const { ok, errors } = await applyChunk(tx, storeId, jobId, job.job_type, actor, items.slice(offset, offset + CHUNK), offset);
      await tx`
        update bulk_jobs set processed_items = processed_items + ${ok}, failed_items = failed_items + ${errors.length},
          item_errors = item_errors || ${tx.json(errors.sort((a, b) => a.index - b.index) as any)}::jsonb
        where store_id = ${storeId} and id = ${jobId}`;
    });
    await analyzeGrownTables(sql); // as the partner pipeline's chunks (statistics.ts)
  }
  await sql`
    update bulk_jobs set status = case when processed_items = 0 and total_items > 0 then 'FAILED' else 'COMPLETED' end, completed_at = now()
    where store_id = ${storeId} and id = ${jobId}`;
}
