import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { giveUpOnFinalFailure } from '../jobs/final-failure.js';
import { failBulkJob, JobTakenOver, processBulkJob } from './bulk-job-processing.js';
import { failExport, runExport } from './catalog-export.js';
import { sendExportEmail } from './export-email.js';

/** PIM background work: bulk jobs, exports and their emails. */
export function pimTasks(deps: AppDeps): Record<string, Task> {
  return {
    'pim.bulk-job': async (payload, helpers) => {
      // requestId and ip: absent from jobs queued before they were added.
      const { storeId, jobId, actor, requestId, ip } = payload as { storeId: string; jobId: string; actor: string; requestId?: string; ip?: string };
      // Items PostgreSQL refuses fail alone (bulk-job-processing.ts); a job whose stored payload
      // cannot be read, or whose last attempt failed, ends FAILED instead of staying PROCESSING.
      await giveUpOnFinalFailure(helpers, () => processBulkJob(deps.sql, storeId, jobId, actor, { requestId: requestId ?? null, ip: ip ?? null }),
        // Taken over by another worker, which goes on: nothing to end (bulk-job-processing.ts).
        async (err) => { if (!(err instanceof JobTakenOver)) await failBulkJob(deps.sql, storeId, jobId, err instanceof Error ? err.message : String(err)); });
    },
    'pim.export': async (payload, helpers) => {
      const { storeId, exportId } = payload as { storeId: string; exportId: string };
      await giveUpOnFinalFailure(helpers, () => runExport(deps.sql, deps.config, deps.encryptionKey, storeId, exportId),
        (err) => failExport(deps.sql, storeId, exportId, err));
    },
    // An email given up on stays in graphile-worker's jobs, failed, with its last error (omni_jobs{state="failed"}).
    'pim.export-email': async (payload) => {
      const { storeId, exportId } = payload as { storeId: string; exportId: string };
      await sendExportEmail(deps.sql, deps.config, deps.encryptionKey, storeId, exportId);
    },
  };
}
