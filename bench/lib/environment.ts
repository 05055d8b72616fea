import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { MALLOC_SETTINGS } from '../../src/malloc-settings.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, chmod, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { connect, type Sql } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

/** A fresh database (embedded PostgreSQL unless DATABASE_URL is set), the API and a worker as child processes. */
export interface BenchEnv {
  sql: Sql;
  databaseUrl: string;
  baseUrl: string;
  key: Buffer;
  /** The API process (omni serve --no-worker). */
  server: ChildProcess;
  /** The worker process (omni worker). */
  worker: ChildProcess;
  close(): Promise<void>;
}

export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
});

export async function startBenchEnv(): Promise<BenchEnv> {
  // The server runs as in production: compiled (npm run build; bin/omni.js runs dist/ while it
  // matches the sources). BENCH_SOURCES=1 runs the TypeScript sources through tsx instead.
  if (process.env.BENCH_SOURCES !== '1') execFileSync(process.execPath, ['bin/build.js'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dataDir = await mkdtemp(join(tmpdir(), 'omni-bench-'));
  await chmod(dataDir, 0o755);
  let adminUrl = process.env.DATABASE_URL;
  let stopPg = async () => {};
  if (!adminUrl) {
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
    adminUrl = pg.connectionString;
    stopPg = pg.stop;
  }
  const dbName = `omni_bench_${randomBytes(4).toString('hex')}`;
  const admin = connect(adminUrl, 1);
  await admin.unsafe(`create database ${dbName}`);
  const databaseUrl = adminUrl.replace(/\/[^/?]*(\?.*)?$/, `/${dbName}$1`);
  const sql = connect(databaseUrl, 8);
  await migrate(sql, databaseUrl);
  const key = randomBytes(32);
  const port = await freePort();
  // The production layout: an API process (omni serve --no-worker) and a worker process
  // (omni worker) on the same database. BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof
  // --cpu-prof-dir=/tmp/prof") is passed to both, BENCH_WORKER_NODE_ARGS to the worker alone (after it).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const workerArgs = [...nodeArgs, ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const childEnv = {
    ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), OMNI_ENCRYPTION_KEY: key.toString('base64'),
    OMNI_DATA_DIR: dataDir, LOG_LEVEL: 'warn', OMNI_DEMO: 'false', NODE_ENV: 'production',
    // One partner sends every request (the PATCH scenario 17,500 in 35 s): the limit counts each, as
    // in production, and refuses none.
    PARTNER_RATE_LIMIT_PER_MINUTE: '10000000',
    ...(process.env.BENCH_SOURCES === '1' ? { OMNI_RUN_SOURCES: '1' } : {}),
    // As `npm start` runs the server (malloc-settings.ts); BENCH_NODE_MALLOC=0 leaves glibc's defaults.
    ...(process.env.BENCH_NODE_MALLOC === '0' ? {} : MALLOC_SETTINGS),
  };
  const server = spawn(process.execPath, [...nodeArgs, 'bin/omni.js', 'serve', '--no-worker'], { env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const worker = spawn(process.execPath, [...workerArgs, 'bin/omni.js', 'worker'], { env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  // A server or worker that dies mid-run (it failed to start, or crashed) ends the bench at
  // once: the scenarios would otherwise wait for batches that nobody processes.
  let closing = false;
  for (const [name, child] of [['API', server], ['worker', worker]] as const) {
    child.once('exit', async (code, signal) => {
      if (closing) return;
      closing = true;
      console.error(`bench: the ${name} process exited (${signal ?? `code ${code}`}); stopping`);
      for (const other of [server, worker]) other.kill('SIGTERM');
      await stopPg().catch(() => {});
      process.exit(1);
    });
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${baseUrl}/ready`)).ok) break; } catch { /* not up yet */ }
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    sql, databaseUrl, baseUrl, key, server, worker,
    async close() {
      closing = true;
      for (const child of [server, worker]) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await sql.end();
      if (!process.env.BENCH_KEEP_DB) await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
      await admin.end();
      await stopPg();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Samples a process's resident set size every 100 ms; returns the peak so far in MiB. */
export function watchRss(pid: number) {
  let peakKb = 0;
  const timer = setInterval(async () => {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (kb > peakKb) peakKb = kb;
    } catch { /* process gone */ }
  }, 100);
  return { peakMiB: () => Math.round(peakKb / 1024), reset: () => { peakKb = 0; }, stop: () => clearInterval(timer) };
}

export async function machine(sql: Sql) {
  const [{ version }] = await sql<{ version: string }[]>`select version()`;
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: version.split(' on ')[0] };
}

export function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Lets the database settle between timed scenarios: VACUUM ANALYZE and CHECKPOINT
 * do at once what autovacuum and the checkpointer would start within a minute of
 * the previous scenario's writes (100,000 rows or more), so each scenario measures
 * itself rather than the clean-up of the one before.
 */
export async function settle(env: BenchEnv) {
  await env.sql`vacuum analyze`;
  // CHECKPOINT needs superuser or pg_checkpoint; on a server that refuses it, vacuum alone.
  await env.sql`checkpoint`.catch(() => {});
}

/** Until every batch of the store is done; polled every 20 ms (100 ms had added ~50 ms on average to a ~7 s import). */
export async function waitForStore(sql: Sql, storeId: string) {
  for (;;) {
    const [{ open }] = await sql<{ open: number }[]>`select count(*)::int as open from batches where store_id = ${storeId} and completed_at is null`;
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
