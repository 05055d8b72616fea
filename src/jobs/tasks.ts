import type { Task } from 'graphile-worker';
import type { AppDeps } from '../http/app.js';

/**
 * Every background task, by name. Each domain contributes its tasks here;
 * handlers get the same dependencies as the HTTP layer.
 */
export function buildTaskList(_deps: AppDeps): Record<string, Task> {
  return {};
}
