import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { deliverWebhook, type DeliveryJob } from './deliver.js';
import { disabledMessage } from './endpoint-health.js';

/** Webhook delivery: one job per attempt (the retry schedule is ours, not the queue's). */
export function webhookTasks(deps: AppDeps): Record<string, Task> {
  return {
    'webhook.deliver': async (payload, helpers) => {
      const job = payload as DeliveryJob;
      const { partnerId, deliveryId } = job;
      const disabled = await deliverWebhook(deps.sql, deps.encryptionKey, deps.config, job);
      // Partner endpoints have no audit log (audit_events is a store's): the worker's log is where an operator reads it.
      if (disabled) {
        helpers.logger.warn(disabledMessage(disabled.endpointId, disabled, deps.config.WEBHOOK_DISABLE_AFTER_FAILING_HOURS), {
          partnerId, endpointId: disabled.endpointId, deliveryId, reason: disabled.reason, failingSince: disabled.failingSince.toISOString(),
        });
      }
    },
  };
}
