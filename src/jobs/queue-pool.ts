import pg from 'pg';
// graphile-worker's table of the error codes it retries (withRetries): no public export.
import { RETRYABLE_ERROR_CODES } from 'graphile-worker/dist/lib.js';
import { isConnectionLoss } from '../db/unavailable.js';

/** The code a lost queue connection is reported with once the worker runs (see QueuePool). */
export const CONNECTION_LOST = 'OMNI_QUEUE_CONNECTION_LOST';
// graphile-worker makes 100 attempts, here 0.5 s apart at first, the delay growing by half each time up to 15 s.
RETRYABLE_ERROR_CODES[CONNECTION_LOST] = { minDelay: 500, maxDelay: 15000 };

type Callback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: any) => void) => void;

/**
 * The job queue's `pg` pool. Once the worker runs (`patient`), a connection that cannot be
 * opened or is lost mid-query because the database went away fails with CONNECTION_LOST,
 * which graphile-worker retries.
 *
 * graphile-worker (0.17) records a job's success or failure without awaiting it, and retries
 * only a few codes, none of them "connection refused", "connection reset" or "terminated":
 * the database going down mid-job (the job fails, then so does recording its failure) was an
 * unhandled rejection that ended the worker process (database-restart.test.ts). Its batched
 * records (completeJobBatchDelay) are no way out: they give up at the first failure, and the
 * pool then hangs in its shutdown. With the code retried, the record is written once the
 * database is back. Before the worker runs, errors pass as they are: a wrong URL or password
 * must fail the start at once. The callback form of connect (the LISTEN connection, the
 * crontab's queries) is left alone: each has its own retry loop.
 */
export class QueuePool extends pg.Pool {
  patient = false;

  constructor(config: pg.PoolConfig) {
    super(config);
    this.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((...args: unknown[]) => {
        const result = query(...args);
        return result instanceof Promise ? result.catch((err: unknown) => { throw this.lost(err); }) : result;
      }) as typeof client.query;
    });
  }

  connect(): Promise<pg.PoolClient>;
  connect(callback: Callback): void;
  connect(callback?: Callback): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback);
    return super.connect().catch((err: unknown) => { throw this.lost(err); });
  }

  private lost(err: unknown): unknown {
    if (!this.patient || !isConnectionLoss(err)) return err;
    return Object.assign(new Error(`job queue connection lost: ${(err as Error).message}`, { cause: err }), { code: CONNECTION_LOST });
  }
}
