import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { AppError } from '../errors/app-error.js';
import { failBulkJob, processBulkJob } from './bulk-job-processing.js';
import { runExport } from './catalog-export.js';

/** PIM background work: bulk jobs (and exports). */
export function pimTasks(deps: AppDeps): Record<string, Task> {
  return {
    'pim.bulk-job': async (payload, helpers) => {
      const { storeId, jobId, actor } = payload as { storeId: string; jobId: string; actor: string };
      try {
        await processBulkJob(deps.sql, storeId, jobId, actor);
      } catch (err) {
        // Items PostgreSQL refuses fail alone (bulk-job-processing.ts); what is left is either
        // permanent (an AppError: the stored payload cannot be read) or worth a retry (the
        // database unreachable), until the last attempt: the job then ends FAILED instead of
        // staying PROCESSING for ever.
        const permanent = err instanceof AppError;
        if (permanent || helpers.job.attempts >= helpers.job.max_attempts) {
          await failBulkJob(deps.sql, storeId, jobId, err instanceof Error ? err.message : String(err));
        }
        if (!permanent) throw err;
      }
    },
    'pim.export': async (payload) => {
      const { storeId, exportId } = payload as { storeId: string; exportId: string };
      await runExport(deps.sql, deps.config, storeId, exportId);
    },
  };
}
