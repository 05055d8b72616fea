import pg from 'pg';
// graphile-worker's table of the error codes it retries (withRetries): no public export.
import { RETRYABLE_ERROR_CODES } from 'graphile-worker/dist/lib.js';
import { isConnectionLoss, isServerFull } from '../db/unavailable.js';
import { QUEUE_STOPPED, QueueOutage, type QueueOutageOptions } from './queue-outage.js';

/** The code a lost queue connection is reported with once the worker runs (see QueuePool). */
export const CONNECTION_LOST = 'OMNI_QUEUE_CONNECTION_LOST';
// graphile-worker retries it (100 attempts in all, 0.5 s apart at first, growing by half each time
// up to 15 s); during an outage each attempt waits for the database's return (QueueOutage) first.
RETRYABLE_ERROR_CODES[CONNECTION_LOST] = { minDelay: 500, maxDelay: 15000 };

type Callback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: any) => void) => void;

export interface QueuePoolConfig extends pg.PoolConfig {
  /** How long opening one connection may take (DB_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  outage: Pick<QueueOutageOptions, 'probeMs' | 'giveUpAfterMs' | 'onDown' | 'onUp' | 'onGiveUp'>;
}

/**
 * The job queue's `pg` pool. Once the worker runs (`patient`), a connection that cannot be
 * opened or is lost mid-query because the database went away fails with CONNECTION_LOST,
 * which graphile-worker retries, and a failed opening starts an outage (QueueOutage): the
 * pool's connections then wait for the database's return instead of being attempted.
 *
 * graphile-worker (0.17) records a job's success or failure without awaiting it, and retries
 * only a few codes, none of them "connection refused", "connection reset" or "terminated":
 * the database going down mid-job (the job fails, then so does recording its failure) was an
 * unhandled rejection that ended the worker process (database-restart.test.ts). Its batched
 * records (completeJobBatchDelay) are no way out: they give up at the first failure, and the
 * pool then hangs in its shutdown. With the code retried, the record is written once the
 * database is back. Before the worker runs, errors pass as they are: a wrong URL or password
 * must fail the start at once.
 *
 * Each connection's opening is bounded by connectTimeoutMs through pg's client option (a
 * client class of our own, which the pool hands its config): pg's pool option of the same name
 * would also bound the wait for a free connection, which is no failure when all are busy.
 */
export class QueuePool extends pg.Pool {
  patient = false;
  private stopped = false;
  readonly outage: QueueOutage;

  constructor({ connectTimeoutMs, outage, ...config }: QueuePoolConfig) {
    const Client = timedClient(connectTimeoutMs);
    super({ ...config, Client: Client as unknown as pg.PoolConfig['Client'] });
    this.outage = new QueueOutage({
      ...outage,
      probe: async () => {
        const client = new Client(config);
        // Lost between its opening and its end: that probe failed, nothing more.
        client.on('error', () => {});
        await client.connect();
        await client.end();
      },
    });
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
    // The callback form: graphile-worker's LISTEN connection and its crontab's queries (pool.query).
    if (callback) {
      const open = () => super.connect((err, client, done) => callback(err && this.failedToOpen(err), client, done));
      const back = this.patient ? this.outage.whenUp() : undefined;
      if (!back) return open();
      back.then(open, (err: Error) => callback(err, undefined, () => {}));
      return;
    }
    const open = () => super.connect().catch((err: unknown) => { throw this.failedToOpen(err); });
    const back = this.patient ? this.outage.whenUp() : undefined;
    return back ? back.then(open) : open();
  }

  /**
   * The worker stops: nothing waits for the database any longer, and a connection lost from now
   * on fails with QUEUE_STOPPED, which server.ts expects of a job's record that nothing awaits.
   */
  stopWaiting() {
    this.patient = false;
    this.stopped = true;
    this.outage.stop();
  }

  /**
   * Resolves once no connection is in use or awaited, or after timeoutMs: pg's pool, ended while
   * a connect() waits for the tick that hands it an idle connection, drops that request unanswered.
   */
  async drained(timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while ((this.waitingCount > 0 || this.totalCount > this.idleCount) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Something else (the heartbeat, on postgres.js) found the database away: the outage starts now if it runs. */
  reportUnreachable(err: unknown) {
    if (this.patient) this.outage.report(err);
  }

  private failedToOpen(err: unknown) {
    if (isConnectionLoss(err) && !isServerFull(err)) this.reportUnreachable(err);
    return this.lost(err);
  }

  private lost(err: unknown): any {
    if (!isConnectionLoss(err)) return err;
    if (this.stopped) return Object.assign(new Error(`job queue connection lost while the worker stops: ${(err as Error).message}`, { cause: err }), { code: QUEUE_STOPPED });
    if (!this.patient) return err;
    return Object.assign(new Error(`job queue connection lost: ${(err as Error).message}`, { cause: err }), { code: CONNECTION_LOST });
  }
}

/** pg's client with a timeout on opening its connection, failing with CONNECT_TIMEOUT (as postgres.js names it). */
function timedClient(connectTimeoutMs: number) {
  const timedOut = (err: unknown) => (err instanceof Error && err.message === 'timeout expired'
    ? Object.assign(new Error(`could not connect to the database within ${connectTimeoutMs} ms (DB_CONNECT_TIMEOUT_MS)`, { cause: err }), { code: 'CONNECT_TIMEOUT' })
    : err);
  return class TimedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({ ...(typeof config === 'string' ? { connectionString: config } : config), connectionTimeoutMillis: connectTimeoutMs });
    }

    connect(): Promise<pg.Client>;
    connect(callback: (err: Error) => void): void;
    connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      if (callback) return super.connect((err: Error) => callback(timedOut(err) as Error));
      return super.connect().catch((err: unknown) => { throw timedOut(err); });
    }
  };
}
