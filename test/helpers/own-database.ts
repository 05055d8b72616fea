import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Sql } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/omni.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An embedded PostgreSQL of the test's own, in a temporary folder on a free port: a test
 * that crashes its database must not touch the server every other test file's database lives on.
 */
export interface OwnDatabase {
  url: string;
  dataDir: string;
  port: number;
  /** Kills the server as a crash would: SIGQUIT to the postmaster, PostgreSQL's 'immediate' shutdown (no checkpoint, recovery at the next start). */
  crash(): Promise<void>;
  /** Starts the server again on the same folder and port (crash recovery runs first). */
  restart(): Promise<void>;
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>;
}

export async function startOwnDatabase(): Promise<OwnDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'omni-own-pg-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  // Its crashes are the test's: nothing starts it again but restart().
  let embedded: EmbeddedDatabase | undefined = await startEmbeddedPostgres({ dataDir, port, restartOnExit: false });
  const url = embedded.connectionString;
  const sql = connect(url, 1);
  try { await migrate(sql, url); } finally { await sql.end(); }
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  return {
    url, dataDir, port,
    async crash() {
      const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      // The postmaster removes its pid file (and socket) last, once its backends are gone.
      for (let i = 0; i < 200 && (await readFile(pidFile, 'utf8').catch(() => null)) !== null; i++) await sleep(50);
      embedded = undefined;
    },
    async restart() {
      embedded = await startEmbeddedPostgres({ dataDir, port, restartOnExit: false });
    },
    async destroy() {
      await embedded?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** An `omni` command in its own process on the given database; its output is kept for the failure messages. */
export interface OmniProcess {
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnOmni(args: string[], env: Record<string, string>): OmniProcess {
  const dataDir = join(tmpdir(), `omni-own-data-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, OMNI_DATA_DIR: dataDir, OMNI_DEMO: 'false', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: OmniProcess = {
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await run.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  child.stdout!.on('data', (d) => { run.output += d; });
  child.stderr!.on('data', (d) => { run.output += d; });
  return run;
}

/** Polls `check` until it returns a value other than undefined. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export type { Sql };
