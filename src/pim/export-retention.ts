import type { Sql } from '../db/database.js';
import type { Config } from '../config.js';
import { storageOfExport } from './catalog-export.js';

/** Exports whose files one statement finds at a time. */
const EXPORTS_PER_ROUND = 100;

/**
 * Deletes the files of the exports that ended (COMPLETED or FAILED) more than EXPORT_RETENTION_DAYS
 * ago, in their own storage (storageOfExport: a local export's folder, an S3 one's bucket), and
 * records it (files_deleted_at): the export stays readable, its links null, its download PIM_010.
 * Run hourly with the other retention (`retention:purge`). An S3 export waits for a worker that has
 * a bucket configured; a file already gone counts as deleted. A failure to delete one export's
 * files (S3 away) leaves it for the next run and goes on with the others.
 */
export async function purgeExpiredExports(sql: Sql, config: Config, encryptionKey: Buffer, warn: (message: string) => void): Promise<number> {
  let deleted = 0;
  const failed = new Set<string>();
  for (;;) {
    const due = await sql<{ store_id: string; id: string; storage: string | null; storage_bucket: string | null }[]>`
      select store_id, id, storage, storage_bucket from catalog_exports
      where files_deleted_at is null and completed_at < now() - make_interval(days => ${config.EXPORT_RETENTION_DAYS})
        and (storage is distinct from 's3' or ${config.EXPORT_S3_BUCKET !== undefined}) and not (id = any(${[...failed]}::uuid[]))
      order by completed_at limit ${EXPORTS_PER_ROUND}`;
    for (const e of due) {
      const keys = ['ndjson', 'csv'].map((format) => `${e.store_id}/${e.id}/products.${format}`);
      try {
        await storageOfExport(e, config, encryptionKey)!.remove(keys);
        await sql`update catalog_exports set files_deleted_at = now() where store_id = ${e.store_id} and id = ${e.id}`;
        deleted += 1;
      } catch (err) {
        failed.add(e.id);
        warn(`the files of export ${e.id} could not be deleted, left for the next run: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (due.length < EXPORTS_PER_ROUND) return deleted;
  }
}
