import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';
import { deliverWebhook } from './deliver.js';

/** Webhook delivery: one job per attempt (the retry schedule is ours, not the queue's). */
export function webhookTasks(deps: AppDeps): Record<string, Task> {
  return {
    'webhook.deliver': async (payload) => {
      const { partnerId, deliveryId } = payload as { partnerId: string; deliveryId: string };
      await deliverWebhook(deps.sql, deps.encryptionKey, deps.config, partnerId, deliveryId);
    },
  };
}
