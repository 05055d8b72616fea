import { EventEmitter } from 'node:events';
import type { Sql } from '../db/database.js';

/**
 * Heartbeats for this process's graphile-worker workers, and recovery of the
 * jobs of workers that went silent. Each process does both, so any surviving
 * worker rescues the jobs of a dead one.
 */
export function watchWorkerLiveness(sql: Sql, staleMs: number, onError: (err: unknown) => void, onTakeOver: (workerIds: string[]) => void) {
  const events = new EventEmitter();
  const ids = new Set<string>();
  // Jobs are locked by the pool's id (graphile-worker 0.16+), by the worker's id before it.
  events.on('pool:create', ({ workerPool }: { workerPool: { id: string } }) => ids.add(workerPool.id));
  events.on('worker:create', ({ worker }: { worker: { workerId: string } }) => ids.add(worker.workerId));
  const beat = async () => {
    if (ids.size > 0) {
      await sql`insert into worker_heartbeats (worker_id, seen_at) select unnest(${[...ids]}::text[]), now()
                on conflict (worker_id) do update set seen_at = now()`;
    }
    const stale = await sql<{ worker_id: string }[]>`
      delete from worker_heartbeats where seen_at < now() - make_interval(secs => ${staleMs / 1000}) returning worker_id`;
    await free(stale.map((s) => s.worker_id));
    // A job locked this long by a worker with no heartbeat at all: its worker stopped without
    // recording the job's outcome (killed during its shutdown, or its database away as it
    // stopped), or ran a version that kept none. graphile-worker itself frees it after 4 hours.
    const orphans = await sql<{ locked_by: string }[]>`
      select distinct j.locked_by from graphile_worker._private_jobs j
      where j.locked_by is not null and j.locked_at < now() - make_interval(secs => ${staleMs / 1000})
        and not exists (select 1 from worker_heartbeats h where h.worker_id = j.locked_by)`;
    await free(orphans.map((o) => o.locked_by));
  };
  /** Unlocks the jobs of these workers for any worker to run again. */
  const free = async (workerIds: string[]) => {
    if (workerIds.length === 0) return;
    await sql`select graphile_worker.force_unlock_workers(${workerIds}::text[])`;
    onTakeOver(workerIds);
  };
  const interval = Math.max(200, Math.floor(staleMs / 5));
  const timer = setInterval(() => { beat().catch(onError); }, interval);
  timer.unref();
  return {
    events,
    beat,
    /** After the worker has stopped: until its last job's outcome is recorded, it is alive (a kill meanwhile leaves a heartbeat that goes stale). */
    async stop() {
      clearInterval(timer);
      if (ids.size > 0) await sql`delete from worker_heartbeats where worker_id = any(${[...ids]})`.catch(onError);
    },
  };
}
