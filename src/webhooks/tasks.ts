import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';

/** Background tasks of this domain, by name (merged into the worker's task list). */
export function webhookTasks(_deps: AppDeps): Record<string, Task> {
  return {};
}
