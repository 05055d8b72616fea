import { run, type Runner } from 'graphile-worker';
import { QueuePool } from './queue-pool.js';
import type { Logger } from 'pino';
import type { AppDeps } from '../http/app.js';
import { buildTaskList } from './tasks.js';
import { watchWorkerLiveness } from './worker-liveness.js';

/**
 * Recurring jobs (graphile-worker's crontab: scheduled once across all workers, and a run
 * missed while no worker was up is made up within the hour). A crontab task name allows no
 * dots, hence the colon.
 */
export const CRONTAB = ['17 * * * * retention:purge ?fill=1h', '47 * * * * abandoned:fail ?fill=1h'].join('\n');

/**
 * A graphile-worker runner on the application database. Any number of these,
 * in any number of processes or machines, share one queue.
 */
export async function startWorker(deps: AppDeps, connectionString: string, logger: Logger): Promise<Runner> {
  const { Logger: GwLogger } = await import('graphile-worker');
  const liveness = watchWorkerLiveness(deps.sql, deps.config.WORKER_STALE_MS, (err) => logger.warn({ err }, 'worker heartbeat failed'));
  // The queue's connections are a pool of our own, ended (and awaited) when the runner stops,
  // before the database does. graphile-worker's own pool is ended without waiting, after its
  // error listener is removed: a connection that the stopping database terminated meanwhile
  // ("terminating connection due to administrator command") was an unhandled 'error' event,
  // and the process crashed on SIGTERM (server-shutdown.test.ts, about one run in six).
  const pgPool = new QueuePool({ connectionString, max: 10, application_name: 'omni-worker' });
  let stopping = false;
  const onError = (err: Error) => {
    if (stopping) logger.debug({ err }, 'job queue connection closed while stopping');
    else logger.error({ err }, 'job queue connection failed');
  };
  pgPool.on('error', onError);
  pgPool.on('connect', (client) => { client.on('error', onError); });
  const runner = await run({
    events: liveness.events as any,
    pgPool,
    concurrency: deps.config.WORKER_CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: buildTaskList(deps),
    crontab: CRONTAB,
    logger: new GwLogger((scope) => (level, message, meta) => {
      const fn = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
      logger[fn]({ ...scope, ...meta }, message);
    }),
  }).catch(async (err: unknown) => {
    // A worker that could not start leaves no pool behind to keep the process alive.
    await pgPool.end().catch(() => {});
    throw err;
  });
  pgPool.patient = true;
  await liveness.beat();
  const stop = runner.stop.bind(runner);
  runner.stop = async () => {
    stopping = true;
    // Stopping: a lost connection is no longer waited for (retried) but fails.
    pgPool.patient = false;
    await liveness.stop();
    await stop();
    await pgPool.end();
  };
  return runner;
}
