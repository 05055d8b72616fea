import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { processBulkJob } from './bulk-job-processing.js';
import { runExport } from './catalog-export.js';

/** PIM background work: bulk jobs (and exports). */
export function pimTasks(deps: AppDeps): Record<string, Task> {
  return {
    'pim.bulk-job': async (payload) => {
      const { storeId, jobId, actor } = payload as { storeId: string; jobId: string; actor: string };
      await processBulkJob(deps.sql, storeId, jobId, actor);
    },
    'pim.export': async (payload) => {
      const { storeId, exportId } = payload as { storeId: string; exportId: string };
      await runExport(deps.sql, deps.config, storeId, exportId);
    },
  };
}
