import type { Sql } from '../db/database.js';
import type { Config } from '../config.js';
import { exportLinks, storageOfExport } from './catalog-export.js';

/**
 * The email announcing a finished export (job pim.export-email, enqueued by the transaction that
 * marks the export COMPLETED): a failed send throws, and graphile-worker retries this job alone.
 * The links are made at each attempt, so a late retry still mails links that open. An SMTP
 * server that accepted the message but whose answer was lost gets it again: at least once.
 */
export async function sendExportEmail(sql: Sql, config: Config, encryptionKey: Buffer, storeId: string, exportId: string) {
  // The worker that finished the export had it: this one is misconfigured, and another may send it.
  if (!config.SMTP_URL) throw new Error(`SMTP_URL is not set on this worker: the email of export ${exportId} waits for one that has it`);
  const [e] = await sql<{ storage: string | null; storage_bucket: string | null; products: number; blocked_products: number | null; ndjson_key: string; csv_key: string; notify_email: string | null }[]>`
    select e.storage, e.storage_bucket, e.products, e.blocked_products, e.ndjson_key, e.csv_key, t.notify_email from catalog_exports e join tenants t on t.store_id = e.store_id
    where e.store_id = ${storeId} and e.id = ${exportId} and e.status = 'COMPLETED'`;
  // The tenant no longer asks for it.
  if (!e?.notify_email) return;
  // Links for the export's own storage, as GET /exports/{id} signs them (this worker may be configured otherwise; review).
  const storage = storageOfExport(e, config, encryptionKey);
  if (!storage) throw new Error(`export ${exportId} is in S3 and this worker has no EXPORT_S3_BUCKET: its email waits for one that has it`);
  const links = await exportLinks(storage, { ndjson: e.ndjson_key, csv: e.csv_key });
  // Loaded only when an export mails someone: most deployments never do, and every process would carry it.
  const { default: nodemailer } = await import('nodemailer');
  await nodemailer.createTransport(config.SMTP_URL).sendMail({
    from: config.SMTP_FROM, to: e.notify_email, subject: `Catalog export ready (${e.products} products)`,
    text: `Your catalog export ${exportId} is ready: ${e.products} products.\n${blockedNote(e.blocked_products ?? 0)}\nNDJSON: ${links.ndjson}\nCSV: ${links.csv}\n`,
  });
}

/** What the export left out (catalog-export.ts), so that no product vanishes from it unnoticed; nothing when it left none out. */
const blockedNote = (blocked: number) => (blocked === 0 ? '' : `${blocked === 1 ? '1 product was left out: it has an unresolved ERROR validation issue'
  : `${blocked} products were left out: they have an unresolved ERROR validation issue`} (an ERROR blocks export; GET /api/v1/pim/validation-issues lists them).\n`);
