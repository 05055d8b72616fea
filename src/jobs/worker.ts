import { run, type Runner } from 'graphile-worker';
import type { Logger } from 'pino';
import type { AppDeps } from '../http/app.js';
import { isConnectionLoss, isDatabaseUnavailable, isServerFull } from '../db/unavailable.js';
import { queueConnection } from '../db/tls.js';
import { seconds } from '../db/wait-at-start.js';
import { CONNECTION_LOST, QueuePool } from './queue-pool.js';
import { QUEUE_STOPPED } from './queue-outage.js';
import { buildTaskList } from './tasks.js';
import { QUEUE_SCHEMA } from './enqueue.js';
import { watchWorkerLiveness } from './worker-liveness.js';

/** The task of the delivery pool; every other task runs in the work pool. */
const DELIVERY_TASK = 'webhook.deliver';

/**
 * Recurring jobs (graphile-worker's crontab: scheduled once across all workers, and a run
 * missed while no worker was up is made up within the hour). A crontab task name allows no
 * dots, hence the colon.
 */
export const CRONTAB = ['17 * * * * retention:purge ?fill=1h', '47 * * * * abandoned:fail ?fill=1h'].join('\n');

/** How often a worker that lost its database tries to reach it again: it resumes within this of its return. */
export const OUTAGE_PROBE_MS = 1000;

/** How long a stopping worker waits for the records of its last jobs' outcomes. */
const STOP_RECORDS_MS = 10000;

/** What a worker's runner ends with when the database stayed unreachable for WORKER_MAX_OUTAGE_MS. */
export class WorkerGaveUp extends Error {}

/** The job queue's state, for /metrics when the worker runs in the API's process. */
export interface WorkerState {
  /** Since when (epoch ms) the worker has been unable to reach the database; null while it can. */
  readonly databaseDownSince: number | null;
}

export type WorkerRunner = Runner & { state: WorkerState };

/** A queue connection that failed because the database is away (or is waiting for it). */
const isQueueConnectionLoss = (err: unknown) =>
  isConnectionLoss(err) || [CONNECTION_LOST, QUEUE_STOPPED].includes((err as { code?: string } | undefined)?.code ?? '');

/** The queue pool's connections: README's Running in production counts them. */
export const queuePoolSize = (config: Pick<AppDeps['config'], 'WORKER_CONCURRENCY' | 'WEBHOOK_CONCURRENCY'>) =>
  config.WORKER_CONCURRENCY + config.WEBHOOK_CONCURRENCY + 2;

/**
 * The level a graphile-worker line is logged at. Its own info lines (a job started, completed)
 * are debug: one per job. A task's own (helpers.logger, scope label "job") keep theirs: the
 * hourly retention summary, at info, was dropped with them (soak QA). graphile-worker's LISTEN
 * connection, crontab and lock sweep each log every attempt while the database is away; the
 * outage is logged once (a job that failed still is).
 */
export function workerLogLevel(scope: { label?: string }, level: string, meta?: { failure?: unknown; error?: unknown }): 'error' | 'warn' | 'info' | 'debug' {
  if (!meta?.failure && isQueueConnectionLoss(meta?.error)) return 'debug';
  if (level === 'error') return 'error';
  if (level === 'warning') return 'warn';
  return level === 'info' && scope.label === 'job' ? 'info' : 'debug';
}

/**
 * graphile-worker's log meta with its job's payload left out: a PIM bulk job's names the user's
 * email and address (its audit rows' actor), and a failed attempt logged them at error level,
 * each of its 25 attempts (QA). The job is named by id, task and attempts; its payload is in the queue.
 */
export function withoutPayload(meta: Record<string, any> | undefined) {
  if (!meta?.job) return meta;
  const { id, task_identifier, attempts, max_attempts, queue_name, key } = meta.job;
  return { ...meta, job: { id, task_identifier, attempts, max_attempts, queue_name, key } };
}

/**
 * A job worker on the application database: two graphile-worker pools, one for the work
 * (WORKER_CONCURRENCY jobs at once) and one for webhook deliveries (WEBHOOK_CONCURRENCY). Any
 * number of these, in any number of processes or machines, share one queue.
 *
 * A database outage is logged once when it starts and once when it ends (QueueOutage); its
 * jobs then resume by themselves. An outage of WORKER_MAX_OUTAGE_MS (unless 0) ends the
 * runner's promise with WorkerGaveUp: the process exits with 1 (server.ts).
 */
export async function startWorker(deps: AppDeps, connectionString: string, logger: Logger): Promise<WorkerRunner> {
  const { Logger: GwLogger } = await import('graphile-worker');
  const { WORKER_MAX_OUTAGE_MS: giveUpAfterMs, DB_CONNECT_TIMEOUT_MS } = deps.config;
  let giveUp: (err: WorkerGaveUp) => void = () => {};
  const gaveUp = new Promise<never>((_resolve, reject) => { giveUp = reject; });
  gaveUp.catch(() => {});
  // The queue's connections are a pool of our own, ended (and awaited) when the runner stops,
  // before the database does. graphile-worker's own pool is ended without waiting, after its
  // error listener is removed: a connection that the stopping database terminated meanwhile
  // ("terminating connection due to administrator command") was an unhandled 'error' event,
  // and the process crashed on SIGTERM (server-shutdown.test.ts, about one run in six).
  const pgPool = new QueuePool({
    // One connection a job or delivery slot of the two runners, and one each for their LISTEN: a fixed 10 was fewer than WORKER_CONCURRENCY=30 (graphile-worker warned,
    // and jobs waited for a connection; deployment QA). 10 with the defaults, as before.
    ...(await queueConnection(connectionString, DB_CONNECT_TIMEOUT_MS)), max: queuePoolSize(deps.config), application_name: 'omni-worker', connectTimeoutMs: DB_CONNECT_TIMEOUT_MS,
    outage: {
      probeMs: OUTAGE_PROBE_MS,
      giveUpAfterMs,
      onDown: (err) => logger.error({ err }, `job worker: database unreachable; jobs wait for it${giveUpAfterMs > 0 ? ` (the worker gives up after ${seconds(giveUpAfterMs)}, WORKER_MAX_OUTAGE_MS)` : ''}`),
      onUp: (outageMs) => {
        logger.info({ outageMs }, `job worker: database reachable again after ${seconds(outageMs)}; jobs resume`);
        // At once, so that no other worker takes this one's jobs for those of a dead worker.
        liveness.beat().catch(heartbeatFailed);
      },
      onGiveUp: (outageMs, err) => giveUp(new WorkerGaveUp(
        `job worker: database unreachable for ${seconds(outageMs)} (WORKER_MAX_OUTAGE_MS=${giveUpAfterMs}); giving up, exit 1 (last error: ${(err as Error)?.message ?? err})`)),
    },
  });
  // During an outage the heartbeats fail too: its start and end are logged, not each of them
  // (a heartbeat may be the first to find the database away).
  const heartbeatFailed = (err: unknown) => {
    if (!isDatabaseUnavailable(err) || isServerFull(err)) return logger.warn({ err }, 'worker heartbeat failed');
    pgPool.reportUnreachable(err);
    logger.debug({ err }, 'worker heartbeat failed');
  };
  const liveness = watchWorkerLiveness(deps.sql, deps.config.WORKER_STALE_MS, heartbeatFailed, (workerIds) => logger.warn({ workerIds },
    `job worker: freed the jobs of a worker silent for WORKER_STALE_MS (${seconds(deps.config.WORKER_STALE_MS)}); they run again`));
  const onError = (err: Error) => {
    if (!pgPool.patient) logger.debug({ err }, 'job queue connection closed while stopping');
    else if (isConnectionLoss(err)) logger.debug({ err }, 'job queue connection lost');
    else logger.error({ err }, 'job queue connection failed');
  };
  pgPool.on('error', onError);
  pgPool.on('connect', (client) => { client.on('error', onError); });
  const common = {
    events: liveness.events as any,
    pgPool,
    // Named, not left to graphile-worker's defaults, which read the environment and the working
    // folder: GRAPHILE_WORKER_SCHEMA or a .graphile-workerrc put the queue in a schema Omni's SQL
    // never enqueues into (a new database failed to start), and a file named `crontab` where the
    // process started was read as the deliveries' schedule (config QA).
    schema: QUEUE_SCHEMA,
    noHandleSignals: true,
    pollInterval: 1000,
    // Asked before each look for a job: during an outage a worker waits here for the database
    // rather than polling it each second. When the worker stops, it goes on (to no job).
    forbiddenFlags: () => pgPool.outage.whenUp()?.then(() => null, () => null) ?? null,
    logger: new GwLogger((scope) => (level, message, meta) => {
      logger[workerLogLevel(scope, level, meta)]({ ...scope, ...withoutPayload(meta) }, message);
    }),
  };
  // Two pools on one queue: webhook deliveries wait on partners' receivers (a slow one holds its
  // slot up to WEBHOOK_TIMEOUT_MS), so they have slots of their own, and no partner's receiver
  // delays another's batches, PIM jobs or exports.
  const { [DELIVERY_TASK]: deliver, ...work } = buildTaskList(deps);
  // A worker that could not start leaves no pool behind to keep the process alive.
  const failed = async (err: unknown): Promise<never> => { await pgPool.end().catch(() => {}); throw err; };
  const runner = await run({ ...common, concurrency: deps.config.WORKER_CONCURRENCY, taskList: work, crontab: CRONTAB }).catch(failed);
  const deliveries = await run({ ...common, concurrency: deps.config.WEBHOOK_CONCURRENCY, taskList: { [DELIVERY_TASK]: deliver }, parsedCronItems: [] })
    .catch(async (err: unknown) => { await runner.stop().catch(() => {}); return failed(err); });
  pgPool.patient = true;
  // The first heartbeat: a database gone meanwhile is an outage like any other (the pool waits it
  // out, the next beats register this worker); anything else ends the start, and the two runners
  // already taking jobs are stopped with it (they were left running, their jobs failing
  // CONNECTION_ENDED once the process stopped the pool under them).
  await liveness.beat().catch(async (err: unknown) => {
    if (isDatabaseUnavailable(err)) return heartbeatFailed(err);
    await Promise.allSettled([runner.stop(), deliveries.stop()]);
    await liveness.stop().catch(() => {});
    return failed(err);
  });
  logger.info({ concurrency: deps.config.WORKER_CONCURRENCY, webhookConcurrency: deps.config.WEBHOOK_CONCURRENCY },
    `job worker started: ${deps.config.WORKER_CONCURRENCY} jobs and ${deps.config.WEBHOOK_CONCURRENCY} webhook deliveries at once`);
  const stops = [runner, deliveries].map((r) => r.stop.bind(r));
  return Object.assign(runner, {
    promise: Promise.race([runner.promise, deliveries.promise, gaveUp]),
    state: { get databaseDownSince() { return pgPool.outage.downSince; } },
    stop: async () => {
      // Stopping: a lost connection is no longer waited for (retried) but fails.
      pgPool.stopWaiting();
      const stopped = await Promise.allSettled(stops.map((stop) => stop()));
      // graphile-worker records a job's outcome without awaiting it: a record still waiting for
      // its connection when the pool ended was dropped, and a worker stopped with SIGTERM left
      // its last job locked, to run again (batch-crash.test.ts).
      await pgPool.drained(STOP_RECORDS_MS);
      await liveness.stop();
      await pgPool.end();
      const refused = stopped.find((r) => r.status === 'rejected');
      if (refused) throw refused.reason;
    },
  });
}

