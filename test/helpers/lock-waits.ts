import type { Sql } from '../../src/db/database.js';

/** Whether `n` statements (of other connections) whose text holds `fragment` wait for a lock. */
export async function waitingForLock(sql: Sql, fragment: string, n = 1): Promise<boolean> {
  const [{ waiting }] = await sql<{ waiting: number }[]>`select count(*)::int as waiting from pg_stat_activity
    where wait_event_type = 'Lock' and query like ${`%${fragment}%`} and pid <> pg_backend_pid()`;
  return waiting >= n;
}

/** Polls until `done` holds (about 4 s at most): a race a test sets up step by step. */
export async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
}

/** Resolves once `n` statements whose text holds `fragment` wait for a lock. */
export const untilWaitingForLock = (sql: Sql, fragment: string, n = 1) =>
  until(`a statement with ${fragment} waiting for a lock`, () => waitingForLock(sql, fragment, n));
