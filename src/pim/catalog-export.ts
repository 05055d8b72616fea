import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import type { Queryable, Sql } from '../db/database.js';
import type { Config } from '../config.js';
import { AppError } from '../errors/app-error.js';
import { enqueueJob } from '../jobs/enqueue.js';
import { emitEvents } from '../webhooks/outbox.js';
import { recordAudit, type RequestOrigin } from '../audit/audit-log.js';
import { productJson } from '../catalog/product-read.js';
import { exportStorage, type ExportStorage } from './export-storage.js';
import type { PimPrincipal } from './pim-auth.js';

const CSV_COLUMNS = ['id', 'externalId', 'sku', 'name', 'price', 'specialPrice', 'stock', 'categoryId', 'brandId', 'barcode', 'isArchived', 'hasVariants', 'variantCount', 'updatedAt'] as const;
/**
 * A CSV cell. Text that a spreadsheet would read as a formula (a first character of = + - @, a tab
 * or a carriage return: a partner's product name `=HYPERLINK("http://evil","x")` ran in the
 * catalog team's Excel; QA) is written after a `'`, as OWASP advises: the cell shows as text. A cell
 * holding a `;` or a tab is quoted too: a spreadsheet whose list separator is `;` (German, French
 * Excel) split `Evil;=cmd|' /C calc'!A0` there and ran its second part (QA). Numbers and booleans
 * are written as they are.
 */
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",;\t\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
/** `variantCount`: the variants on sale, as `stock` sums them (a deactivated one was counted; QA). */
const activeVariants = (p: any) => p.variants.reduce((n: number, v: { isActive: boolean }) => n + (v.isActive ? 1 : 0), 0);
const csvLine = (p: any) => CSV_COLUMNS.map((c) => csvCell(c === 'variantCount' ? activeVariants(p) : p[c])).join(',');

export const exportView = (e: any, links: { ndjson: string | null; csv: string | null } | null = null) => ({
  id: e.id, status: e.status, storage: e.storage, products: e.products, blocked_products: e.blocked_products, error: e.error, requested_by: e.requested_by,
  created_at: e.created_at.toISOString(), completed_at: e.completed_at?.toISOString() ?? null, download: links,
  files_deleted_at: e.files_deleted_at?.toISOString() ?? null,
});

/**
 * What exportView reads, named (not `*`): a statement prepared with `*` fails once a column is
 * added under it, "cached plan must not change result type", in a transaction (review).
 */
const EXPORT_COLUMNS = (sql: Queryable) => sql`id, status, storage, products, blocked_products, error, requested_by, created_at, completed_at, files_deleted_at`;

/** The files every export writes (runExport). */
const EXPORT_FORMATS = ['ndjson', 'csv'];

/**
 * Queues an export: its row, its job and its `catalog_export.requested` audit event in one
 * transaction (a request refused writes none, an accepted one is always in the log). The event
 * names where the files are to go (`storage`, as configured when it was asked) and their formats.
 */
export async function requestExport(sql: Sql, config: Config, encryptionKey: Buffer, who: PimPrincipal, origin: RequestOrigin) {
  const storage = exportStorage(config, encryptionKey).kind;
  return sql.begin(async (tx) => {
    const [e] = await tx`insert into catalog_exports (store_id, requested_by) values (${who.storeId}, ${who.email}) returning ${EXPORT_COLUMNS(tx)}`;
    await enqueueJob(tx, 'pim.export', { storeId: who.storeId, exportId: e.id }, { maxAttempts: 3 });
    await recordAudit(tx, [{
      storeId: who.storeId, actorType: 'user', actor: who.email, action: 'catalog_export.requested', resourceType: 'catalog_export', resourceId: e.id,
      changes: { exportId: e.id, storage, formats: EXPORT_FORMATS }, requestId: origin.requestId, ipAddress: origin.ip,
    }]);
    return exportView(e);
  });
}

/**
 * Whether product `p` has an unresolved ERROR issue: seed 004's ERROR "blocks publishing or
 * export", so the export leaves it out. Read from validation_issues_open_errors_idx (migration
 * 0101, the store's open ERRORs alone) by the count and by the cursor's anti-join.
 */
const hasOpenError = (sql: Queryable) => sql`exists (select from validation_issues i
  where i.store_id = p.store_id and i.product_id = p.id and not i.resolved and i.severity = 'ERROR')`;

/**
 * Streams the tenant's whole catalog (products with variants and per-warehouse
 * stock) from a database cursor into NDJSON and CSV uploads at once: memory
 * stays flat however large the catalog. Then announces it per tenant configuration.
 * Products with an unresolved ERROR issue are left out and counted (`blocked_products`): the
 * count and the cursor read one snapshot (repeatable read), so products + blocked_products is
 * the catalog as it was exported.
 *
 * Retries (3 attempts) resume where the last one stopped. Writing the files is the only step a
 * retry redoes, and only when it failed (nothing was recorded). Marking the export COMPLETED,
 * its `export.completed` event (outbox) and its email are one transaction: the email is a job of
 * its own (pim.export-email, export-email.ts), so an SMTP server that refuses it retries the
 * email alone, with fresh links, instead of the whole export (files written again, the event
 * emitted again, as the email was sent last in this job). A job of its own rather than a recorded
 * step of this one: graphile-worker already keeps its attempts, backoff and last error, and a
 * COMPLETED export is never worked on again (the guard below).
 */
export async function runExport(sql: Sql, config: Config, encryptionKey: Buffer, storeId: string, exportId: string) {
  const storage = exportStorage(config, encryptionKey);
  // A retry after the completing commit (a worker that died before graphile-worker recorded the job done) finds it done.
  const started = await sql`update catalog_exports set status = 'PROCESSING', storage = ${storage.kind},
      storage_bucket = ${storage.kind === 's3' ? config.EXPORT_S3_BUCKET! : null}
    where store_id = ${storeId} and id = ${exportId} and status <> 'COMPLETED' returning id`;
  if (started.length === 0) return;
  const keys = { ndjson: `${storeId}/${exportId}/products.ndjson`, csv: `${storeId}/${exportId}/products.csv` };
  const ndjson = new PassThrough();
  const csv = new PassThrough();
  const uploads = Promise.all([storage.upload(keys.ndjson, ndjson, 'application/x-ndjson'), storage.upload(keys.csv, csv, 'text/csv; charset=utf-8')]);
  // An upload that fails while the cursor is read (a folder that cannot be made, S3 refusing a
  // part) ends the writing at once: handled here, its rejection no longer went unhandled and ended
  // the process (API and worker with it, QA), and the writer no longer waits for a 'drain' that a
  // stream nobody reads never sends. The job then fails its attempt with the upload's error.
  let uploadFailed: unknown;
  uploads.catch((err) => {
    uploadFailed = err;
    for (const stream of [ndjson, csv]) stream.on('error', () => {}).destroy(err);
  });
  const write = async (stream: PassThrough, chunk: string) => {
    if (uploadFailed) throw uploadFailed;
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  let count = 0;
  let blocked = 0;
  try {
    // After a byte order mark: Excel, which the CSV is for, reads a file without one in the
    // system's code page, and every name past ASCII came out as mojibake (Unicode QA).
    await write(csv, `\uFEFF${CSV_COLUMNS.join(',')}\n`);
    await sql.begin('isolation level repeatable read read only', async (tx) => {
      // One cursor over the whole catalog, read as fast as the upload takes it: a DBA's
      // statement_timeout (or idle-in-transaction timeout) shorter than that failed every attempt
      // of a large store's export (DBA-settings QA). A background job's read, not a request's.
      await tx`set local statement_timeout = 0`;
      await tx`set local idle_in_transaction_session_timeout = 0`;
      [{ blocked }] = await tx<{ blocked: number }[]>`select count(*)::int as blocked from products p where p.store_id = ${storeId} and ${hasOpenError(tx)}`;
      const exported = tx<{ product: any }[]>`select ${productJson(tx, undefined)} as product from products p
        where p.store_id = ${storeId} and not ${hasOpenError(tx)} order by p.id`;
      for await (const rows of exported.cursor(500)) {
        await write(ndjson, rows.map((r) => `${JSON.stringify(r.product)}\n`).join(''));
        await write(csv, `${rows.map((r) => csvLine(r.product)).join('\n')}\n`);
        count += rows.length;
      }
    });
    ndjson.end();
    csv.end();
    await uploads;
  } catch (err) {
    // The upload's error when it was the first to fail; else the read's, which the streams'
    // destruction below makes the uploads fail with too ("Premature close" took its place in the
    // job's error, and the statement timeout that ended the read was told nowhere: QA).
    const failedFirst = uploadFailed;
    ndjson.destroy();
    csv.destroy();
    await uploads.catch(() => {});
    // FAILED only when no attempt is left (failExport, by the task): a retry may still write them.
    throw failedFirst ?? err;
  }
  await sql.begin(async (tx) => {
    const [tenant] = await tx<any[]>`select t.notify_email, t.notify_webhook, s.partner_id from tenants t join stores s on s.id = t.store_id where t.store_id = ${storeId}`;
    await tx`update catalog_exports set status = 'COMPLETED', products = ${count}, blocked_products = ${blocked}, ndjson_key = ${keys.ndjson}, csv_key = ${keys.csv}, error = null, completed_at = now()
             where store_id = ${storeId} and id = ${exportId}`;
    if (tenant?.notify_webhook) {
      await emitEvents(tx, [{ partnerId: tenant.partner_id, storeId, type: 'export.completed', payload: { exportId, products: count, blockedProducts: blocked, storage: storage.kind } }]);
    }
    if (tenant?.notify_email && config.SMTP_URL) await enqueueJob(tx, 'pim.export-email', { storeId, exportId }, { maxAttempts: EXPORT_EMAIL_ATTEMPTS });
  });
}

/**
 * Attempts at an export's email: graphile-worker waits exp(n) seconds after the nth failure,
 * so 8 attempts span about half an hour (e^1 + … + e^7 s) of an SMTP server refusing or away.
 */
const EXPORT_EMAIL_ATTEMPTS = 8;

/**
 * An export whose last attempt failed (never a COMPLETED one: its later steps are jobs of their
 * own), told as a completed one is: an `export.completed`'s tenant gets `export.failed` (seed 004
 * says to wait for the notification, not to poll: a failure sent none, and the client waited for
 * ever; QA). The error the PIM user reads names what failed, not the server's paths (it showed
 * `ENOTDIR: … mkdir '/srv/omni/exports/…'`); the job's own error, kept by the queue and logged,
 * has them for the operator.
 */
export async function failExport(sql: Sql, storeId: string, exportId: string, err: unknown) {
  const error = exportFailure(err);
  await sql.begin(async (tx) => {
    const [failed] = await tx`update catalog_exports set status = 'FAILED', error = ${error}, completed_at = now()
      where store_id = ${storeId} and id = ${exportId} and status <> 'COMPLETED' returning id`;
    if (!failed) return;
    const [tenant] = await tx<{ notify_webhook: boolean; partner_id: string }[]>`
      select t.notify_webhook, s.partner_id from tenants t join stores s on s.id = t.store_id where t.store_id = ${storeId}`;
    if (tenant?.notify_webhook) await emitEvents(tx, [{ partnerId: tenant.partner_id, storeId, type: 'export.failed', payload: { exportId, error } }]);
  });
}

/** What a PIM user is told of an export's failure: Omni's own words, or the kind of error (a system call's code, S3's error name), never a path. */
export function exportFailure(err: unknown): string {
  // Omni's own words (the abandoned-work sweep's) are told as they are.
  if (typeof err === 'string') return err;
  const e = err as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : null;
  if (code) return `the export failed (${code}); the operator's logs have the cause`;
  const name = typeof e?.name === 'string' && e.name !== 'Error' && /^\w+$/.test(e.name) ? e.name : null;
  return `the export failed${name ? ` (${name})` : ''}; the operator's logs have the cause`;
}

/** Links that open the files without a token, for EXPORT_URL_TTL_SECONDS: presigned (S3) or signed by the API (local folder). */
export async function exportLinks(storage: ExportStorage, keys: { ndjson: string; csv: string }) {
  return { ndjson: await storage.signedUrl(keys.ndjson), csv: await storage.signedUrl(keys.csv) };
}

export async function getExport(sql: Sql, config: Config, encryptionKey: Buffer, storeId: string, exportId: string) {
  // Named, as EXPORT_COLUMNS are, with what the download needs.
  const [e] = await sql<any[]>`select ${EXPORT_COLUMNS(sql)}, ndjson_key, csv_key, storage_bucket from catalog_exports where store_id = ${storeId} and id = ${exportId}`;
  if (!e) throw new AppError('PIM_006', { exportId });
  const storage = e.status === 'COMPLETED' && !e.files_deleted_at ? storageOfExport(e, config, encryptionKey) : null;
  const links = storage ? await exportLinks(storage, { ndjson: e.ndjson_key, csv: e.csv_key }) : null;
  return { row: e, view: exportView(e, links) };
}

/**
 * Where a finished export's files are: its own storage, not the one configured now. A local
 * export's files stay in the data folder whatever is configured since (its links were S3's once a
 * bucket was set, 404 NoSuchKey); an S3 one is in the bucket it was written to (0135; one written
 * before it, in the bucket configured now), reached with the S3 settings configured now, none
 * when this process has no bucket configured (its links were the API's, PIM_006).
 */
export function storageOfExport(e: { storage: string | null; storage_bucket: string | null }, config: Config, encryptionKey: Buffer): ExportStorage | null {
  if (e.storage === 's3') return config.EXPORT_S3_BUCKET ? exportStorage({ ...config, EXPORT_S3_BUCKET: e.storage_bucket ?? config.EXPORT_S3_BUCKET }, encryptionKey) : null;
  return exportStorage({ ...config, EXPORT_S3_BUCKET: undefined }, encryptionKey);
}

/**
 * The storage key of a finished export's file, for a signed link (export-links.ts) that named
 * it: PIM_006 when the export is gone or kept in S3 (its links are S3's), PIM_007 unfinished.
 */
export async function exportFileKey(sql: Sql, config: Config, storeId: string, exportId: string, format: 'ndjson' | 'csv') {
  const [e] = await sql<any[]>`
    select e.status, e.storage, e.ndjson_key, e.csv_key, e.files_deleted_at, s.status as store_status
    from catalog_exports e join stores s on s.id = e.store_id where e.store_id = ${storeId} and e.id = ${exportId}`;
  // A local export's link works whatever storage is configured since (its files stay in the data folder).
  if (!e || e.storage === 's3') throw new AppError('PIM_006', { exportId });
  // A blocked store's links are refused as its PIM requests are (a link handed out before the
  // block served the catalog to its end; review). S3's presigned links cannot be recalled.
  if (e.store_status === 'BLOCKED') throw new AppError('PIM_011', { exportId });
  assertDownloadable(e);
  return (format === 'csv' ? e.csv_key : e.ndjson_key) as string;
}

/** PIM_009 for a FAILED export (it will never be ready), PIM_007 for one still running. */
export function assertDownloadable(e: { status: string; error?: string | null; files_deleted_at?: Date | null }) {
  if (e.status === 'FAILED') throw new AppError('PIM_009', { status: e.status, error: e.error ?? null });
  // Its files deleted EXPORT_RETENTION_DAYS after it ended (export-retention.ts).
  if (e.files_deleted_at) throw new AppError('PIM_010', { reason: 'The export\'s files were deleted after its retention (EXPORT_RETENTION_DAYS)', filesDeletedAt: e.files_deleted_at.toISOString() });
  if (e.status !== 'COMPLETED') throw new AppError('PIM_007', { status: e.status });
}
