import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * One process at a time sets up and starts the embedded PostgreSQL of a data folder: its password
 * file, initdb, the start, or the finding that another process's server runs. An API and a worker
 * started at the same moment on one folder both saw no server, and both ran initdb or started one:
 * one or both failed ("lock file postmaster.pid already exists", initdb's "exists but is not
 * empty"), where the one started second was to attach (config QA). The lock is a folder
 * (`pg-start.lock`, proper-lockfile's mkdir, atomic), refreshed while held and taken over once
 * 10 s stale (a process killed while holding it); the other process says it waits (`waiting`),
 * and waits up to ~2 minutes, longer than an initdb takes.
 */
export async function withStartLock<T>(dataDir: string, run: () => Promise<T>, waiting: (message: string) => void = () => {}): Promise<T> {
  const lockfilePath = join(dataDir, 'pg-start.lock');
  const options = {
    lockfilePath,
    realpath: false,
    stale: 10_000,
    // A lock taken over as stale (this process stalled past 10 s) only lets another start at once,
    // which PostgreSQL's own postmaster.pid then refuses: not worth the uncaught error it throws by default.
    onCompromised: () => {},
  };
  const locked = (err: unknown) => (err as { code?: unknown } | null)?.code === 'ELOCKED';
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, options);
  } catch (err) {
    if (!locked(err)) throw err;
    // Said, and bounded with a reason: a wait said nothing for 2 minutes, then "Lock file is already being held" (QA).
    waiting(`another process is setting up or starting the embedded PostgreSQL of ${dataDir}: waiting for it (up to 2 minutes)`);
    release = await lockfile.lock(dataDir, { ...options, retries: { retries: 1200, factor: 1, minTimeout: 100, maxTimeout: 100 } }).catch((e: unknown) => {
      if (!locked(e)) throw e;
      throw new Error(`another process has been setting up or starting the embedded PostgreSQL of ${dataDir} for over 2 minutes (it holds ${lockfilePath}, `
        + 'refreshed while it runs): stop it and start again; a lock left by a process that ended is taken over after 10 s');
    });
  }
  try {
    return await run();
  } finally {
    await release().catch(() => {});
  }
}
