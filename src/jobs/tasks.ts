import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { bulkTasks } from '../batches/tasks.js';
import { webhookTasks } from '../webhooks/tasks.js';
import { pimTasks } from '../pim/tasks.js';
import { duplicateSkuTasks } from '../catalog/duplicate-sku-recheck.js';
import { failAbandonedWork } from './abandoned-work.js';

/**
 * Every background task, by name. Each domain contributes its tasks here;
 * handlers get the same dependencies as the HTTP layer.
 */
export function buildTaskList(deps: AppDeps): Record<string, Task> {
  return {
    ...bulkTasks(deps), ...webhookTasks(deps), ...pimTasks(deps), ...duplicateSkuTasks(deps),
    'abandoned:fail': async (_payload, helpers) => {
      const ended = await failAbandonedWork(deps.sql);
      if (ended.batches + ended.bulkJobs + ended.exports + ended.deliveries > 0) {
        helpers.logger.error(`ended FAILED ${ended.batches} batches, ${ended.bulkJobs} PIM bulk jobs and ${ended.exports} PIM exports, `
          + `and EXHAUSTED ${ended.deliveries} webhook deliveries, that no job would run again`);
      }
    },
  };
}
