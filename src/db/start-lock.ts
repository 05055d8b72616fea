import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * One process at a time sets up and starts the embedded PostgreSQL of a data folder: its password
 * file, initdb, the start, or the finding that another process's server runs. An API and a worker
 * started at the same moment on one folder both saw no server, and both ran initdb or started one:
 * one or both failed ("lock file postmaster.pid already exists", initdb's "exists but is not
 * empty"), where the one started second was to attach (config QA). The lock is a folder
 * (`pg-start.lock`, proper-lockfile's mkdir, atomic), refreshed while held and taken over once
 * 10 s stale (a process killed while holding it); the other process waits up to ~2 minutes,
 * longer than an initdb takes.
 */
export async function withStartLock<T>(dataDir: string, run: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(dataDir, {
    lockfilePath: join(dataDir, 'pg-start.lock'),
    realpath: false,
    stale: 10_000,
    retries: { retries: 1200, factor: 1, minTimeout: 100, maxTimeout: 100 },
    // A lock taken over as stale (this process stalled past 10 s) only lets another start at once,
    // which PostgreSQL's own postmaster.pid then refuses: not worth the uncaught error it throws by default.
    onCompromised: () => {},
  });
  try {
    return await run();
  } finally {
    await release().catch(() => {});
  }
}
