import type { Sql } from '../../src/db/database.js';
import type { ReservedSql } from 'postgres';

/**
 * Whether `n` statements (of other connections to this database: the run's other files share the
 * server, and one of theirs waiting was taken for this file's; a flaky run) whose text holds
 * `fragment` wait for a lock.
 */
export async function waitingForLock(sql: Sql, fragment: string, n = 1): Promise<boolean> {
  const [{ waiting }] = await sql<{ waiting: number }[]>`select count(*)::int as waiting from pg_stat_activity
    where wait_event_type = 'Lock' and query like ${`%${fragment}%`} and pid <> pg_backend_pid() and datname = current_database()`;
  return waiting >= n;
}

/** The backends (of other connections to this database) whose statement holds `fragment` and waits for a lock. */
export async function lockWaiters(sql: Sql, fragment: string): Promise<number[]> {
  return (await sql<{ pid: number }[]>`select pid from pg_stat_activity
    where wait_event_type = 'Lock' and query like ${`%${fragment}%`} and pid <> pg_backend_pid() and datname = current_database()`).map((r) => r.pid);
}

/**
 * Resolves once none of these backends is left. A SIGKILLed worker's backend that waited for a
 * lock does not notice its client is gone until the lock is released, runs its statement and ends
 * on its reply: until then it still waits, and a test that looks for "a worker waiting for the
 * lock" could take it for the next worker's (seen once under load: the next worker was killed
 * before it had taken the job).
 */
export const untilBackendsGone = (sql: Sql, pids: number[]) => until(`backends ${pids.join(', ')} ending`, async () =>
  pids.length === 0 || (await sql`select 1 from pg_stat_activity where pid = any(${pids}::int[])`).length === 0, 3000);

/** Polls until `done` holds (`tries` every 10 ms: about 4 s by default): a race a test sets up step by step. */
export async function until(what: string, done: () => Promise<boolean>, tries = 400): Promise<void> {
  for (let n = 0; n < tries; n++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
}

/** Whether a statement of another backend waits for a lock that backend `pid` holds. */
export async function blocksAnother(sql: Sql, pid: number): Promise<boolean> {
  return (await sql`select 1 from pg_locks l where not l.granted and ${pid}::int = any (pg_blocking_pids(l.pid))`).length > 0;
}

/** Resolves once `n` statements whose text holds `fragment` wait for a lock. */
export const untilWaitingForLock = (sql: Sql, fragment: string, n = 1) =>
  until(`a statement with ${fragment} waiting for a lock`, () => waitingForLock(sql, fragment, n));

/** The store's key lock (0085, 0090) among pg_locks' rows: its advisory key, as hashtext makes it. */
const storeKeyLock = (sql: Sql, storeId: string) =>
  sql`l.locktype = 'advisory' and l.objid::bigint = (hashtext(${storeId}::text)::bigint & 4294967295)`;

/** How many transactions wait for the store's key lock. */
export async function keyLockWaiters(sql: Sql, storeId: string): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from pg_locks l where not l.granted and ${storeKeyLock(sql, storeId)}`;
  return n;
}

/**
 * Whether a transaction waiting for the store's key lock blocks one of the transactions that
 * block it (pg_blocking_pids): a deadlock PostgreSQL has not broken yet (it looks once a waiter
 * has waited deadlock_timeout). Only the store's: other tests deadlock on purpose.
 */
export async function keyLockDeadlock(sql: Sql, storeId: string): Promise<boolean> {
  const [{ found }] = await sql<{ found: boolean }[]>`select exists (select from pg_locks l, unnest(pg_blocking_pids(l.pid)) b (pid)
    where not l.granted and ${storeKeyLock(sql, storeId)} and l.pid = any (pg_blocking_pids(b.pid))) as found`;
  return found;
}

/** Waits for `work`, looking every 10 ms meanwhile for a deadlock over the store's key lock: whether one was seen. */
export async function deadlockedWhile(sql: Sql, storeId: string, work: Promise<unknown>): Promise<boolean> {
  let done = false;
  const finished = work.finally(() => { done = true; });
  let seen = false;
  while (!done) {
    if (await keyLockDeadlock(sql, storeId)) seen = true;
    await Promise.race([finished.catch(() => {}), new Promise((r) => setTimeout(r, 10))]);
  }
  await finished;
  return seen;
}

/**
 * A race set up step by step: `first` runs in an open transaction, `second` (another
 * connection's statement, whose text starts with `secondText`) starts and waits for its lock,
 * then the transaction commits and `second` finishes.
 */
export async function whileHeld(sql: Sql, first: (tx: ReservedSql) => Promise<unknown>, second: () => Promise<unknown>, secondText: string) {
  const held = await sql.reserve();
  try {
    await held`begin`;
    await first(held);
    const waiting = second();
    await untilWaitingForLock(sql, secondText);
    await held`commit`;
    await waiting;
  } finally {
    held.release();
  }
}
