/** The code of what a job queue connection waiting for the database gets when the worker stops (see QueueOutage.stop). */
export const QUEUE_STOPPED = 'OMNI_QUEUE_STOPPED';

export interface QueueOutageOptions {
  /** Opens (and closes) one connection: resolves once the database accepts connections again. */
  probe: () => Promise<void>;
  /** Time between probes. */
  probeMs: number;
  /** An outage this long ends in onGiveUp (0: never). */
  giveUpAfterMs: number;
  onDown: (err: unknown) => void;
  onUp: (outageMs: number) => void;
  onGiveUp: (outageMs: number, lastError: unknown) => void;
}

interface Waiter { resolve(): void; reject(err: Error): void }

/**
 * Whether the job queue can reach its database, and one wait for its return. The first
 * connection that fails because the database is away (report) starts an outage: from then
 * on, the queue's connections are not attempted by each of their callers (every worker
 * polling each second, graphile-worker's retries of a job's record, its LISTEN connection and
 * crontab, each with a log line of its own per attempt) but wait (whenUp) for one probe each
 * probeMs, which ends the outage once it connects. A record of a job's outcome waiting so
 * does not use up graphile-worker's 100 attempts (~23 minutes at 15 s apart, after which
 * its rejection, which nothing awaits, ended the process); the worker gives up at
 * giveUpAfterMs instead, as configured.
 */
export class QueueOutage {
  private since: number | null = null;
  private lastError: unknown;
  private waiters = new Set<Waiter>();
  private probeTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: QueueOutageOptions) {}

  /** Since when the database has been unreachable (epoch ms), or null while it is reachable. */
  get downSince(): number | null {
    return this.since;
  }

  /** A connection failed because the database is away: starts an outage unless one is on. */
  report(err: unknown): void {
    this.lastError = err;
    if (this.since !== null || this.stopped) return;
    this.since = Date.now();
    this.opts.onDown(err);
    this.scheduleProbe();
    if (this.opts.giveUpAfterMs > 0) {
      this.giveUpTimer = setTimeout(() => this.opts.onGiveUp(Date.now() - this.since!, this.lastError), this.opts.giveUpAfterMs);
    }
  }

  /** undefined while the database is reachable; else a promise of its return, rejected (QUEUE_STOPPED) when the worker stops first. */
  whenUp(): Promise<void> | undefined {
    if (this.stopped) return Promise.reject(stoppedError(this.lastError));
    if (this.since === null) return undefined;
    return new Promise<void>((resolve, reject) => { this.waiters.add({ resolve, reject }); });
  }

  /** The worker stops: no more probes, and whatever waits for the database fails at once. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.probeTimer);
    clearTimeout(this.giveUpTimer);
    const err = stoppedError(this.lastError);
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }

  private scheduleProbe() {
    this.probeTimer = setTimeout(() => {
      this.opts.probe().then(() => this.up(), (err: unknown) => {
        this.lastError = err;
        if (!this.stopped) this.scheduleProbe();
      });
    }, this.opts.probeMs);
  }

  private up() {
    if (this.stopped || this.since === null) return;
    const outageMs = Date.now() - this.since;
    this.since = null;
    clearTimeout(this.giveUpTimer);
    this.opts.onUp(outageMs);
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }
}

function stoppedError(cause: unknown): Error {
  return Object.assign(new Error('the job worker stopped while the database was unreachable', { cause }), { code: QUEUE_STOPPED });
}
