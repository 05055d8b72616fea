import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { giveUpOnFinalFailure } from '../jobs/final-failure.js';
import { processBatch } from './process-batch.js';
import { failUnprocessedRows, givenUpReason } from './batch-failure.js';
import { purgeExpired } from './retention.js';
import { purgeExpiredExports } from '../pim/export-retention.js';
import { purgeExpiredSessions } from '../onboarding/session-retention.js';
import { purgeWebhookLog } from '../webhooks/log-retention.js';
import { purgeFailedJobs } from '../jobs/failed-jobs-retention.js';
import { purgeResolvedIssues } from '../pim/issue-retention.js';
import '../catalog/product-batches.js';
import '../inventory/stock-batches.js';
import '../catalog/price-batches.js';
import '../catalog/product-deletions.js';
import '../catalog/variant-product-batches.js';

/** Background tasks of the bulk pipeline. */
export function bulkTasks(deps: AppDeps): Record<string, Task> {
  return {
    'batch.process': async (payload, helpers) => {
      const { storeId, batchId } = payload as { storeId: string; batchId: string };
      // Rows PostgreSQL refuses fail alone (row-isolation.ts); a batch whose rows cannot be read,
      // or whose job's last attempt failed, ends FAILED instead of staying PENDING for ever.
      await giveUpOnFinalFailure(helpers, () => processBatch(deps.sql, storeId, batchId, deps.config.BATCH_CHUNK_SIZE, (message, meta) => helpers.logger.warn(message, meta)), async (err) => {
        helpers.logger.error(`batch ${batchId} of store ${storeId} given up: ${err instanceof Error ? err.message : String(err)}`, { batchId, storeId });
        await failUnprocessedRows(deps.sql, storeId, batchId, givenUpReason(err, helpers.job.attempts));
      });
    },
    'retention:purge': async (_payload, helpers) => {
      const purged = await purgeExpired(deps.sql, {
        idempotencyKeyTtlHours: deps.config.IDEMPOTENCY_KEY_TTL_HOURS, batchBodyRetentionDays: deps.config.BATCH_BODY_RETENTION_DAYS,
      });
      const exports = await purgeExpiredExports(deps.sql, deps.config, deps.encryptionKey, (m) => helpers.logger.warn(m));
      const sessions = await purgeExpiredSessions(deps.sql);
      const webhooks = await purgeWebhookLog(deps.sql, deps.config.WEBHOOK_LOG_RETENTION_DAYS);
      const failedJobs = await purgeFailedJobs(deps.sql);
      const issues = await purgeResolvedIssues(deps.sql);
      helpers.logger.info(`purged ${purged.idempotencyKeys} idempotency keys, the rows of ${purged.batchBodies} batches, the files of ${exports} exports, `
        + `${sessions} onboarding sessions, ${webhooks.deliveries} webhook deliveries and ${webhooks.events} events, ${failedJobs} failed jobs, ${issues} resolved issues`);
    },
  };
}
