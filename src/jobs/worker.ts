import { run, type Runner } from 'graphile-worker';
import type { Logger } from 'pino';
import type { AppDeps } from '../http/app.js';
import { buildTaskList } from './tasks.js';
import { watchWorkerLiveness } from './worker-liveness.js';

/**
 * A graphile-worker runner on the application database. Any number of these,
 * in any number of processes or machines, share one queue.
 */
export async function startWorker(deps: AppDeps, connectionString: string, logger: Logger): Promise<Runner> {
  const { Logger: GwLogger } = await import('graphile-worker');
  const liveness = watchWorkerLiveness(deps.sql, deps.config.WORKER_STALE_MS, (err) => logger.warn({ err }, 'worker heartbeat failed'));
  const runner = await run({
    events: liveness.events as any,
    connectionString,
    concurrency: deps.config.WORKER_CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: buildTaskList(deps),
    logger: new GwLogger((scope) => (level, message, meta) => {
      const fn = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
      logger[fn]({ ...scope, ...meta }, message);
    }),
  });
  await liveness.beat();
  const stop = runner.stop.bind(runner);
  runner.stop = async () => { await liveness.stop(); await stop(); };
  return runner;
}
