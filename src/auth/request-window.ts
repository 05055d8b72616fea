/** Where a key stands in its window after a request is counted. */
export interface WindowCount {
  /** The allowance of a window. */
  limit: number;
  /** What is left of it after this request (0 when this one was refused too). */
  remaining: number;
  /** Seconds until the window ends (at least 1). */
  resetSeconds: number;
  /** Whether this request is within the allowance. */
  allowed: boolean;
}

/**
 * A fixed window of `limit` requests per key every `windowMs`, counted in this process,
 * synchronously: the count a request gets is its own, whatever else arrives meanwhile.
 * (@fastify/rate-limit's in-memory store was used first: it hands back its live counter, read
 * after an await, so of 15 requests at once of a partner with 10 left, 6 to 8 were let through
 * and the headers read 2, 0, 2, 0 …; of 60 at once none: review.) Windows ended are dropped
 * when the map grows, so a key costs memory only while it is counting.
 */
export class RequestWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private nextSweep: number;

  // A monotonic clock: by Date.now(), a clock stepped back refused a partner until it caught up (review).
  constructor(readonly limit: number, readonly windowMs: number, private readonly now: () => number = () => performance.now(), private readonly sweepAt = 10_000) {
    this.nextSweep = sweepAt;
  }

  count(key: string): WindowCount {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size >= this.nextSweep) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    // From the time elapsed, not `start + windowMs - now`: a monotonic clock's fractional milliseconds
    // made that 60000.00000000003 for a window just begun, and RateLimit-Reset read 61 (a CI run).
    const resetSeconds = Math.max(1, Math.ceil((this.windowMs - (now - w.start)) / 1000));
    return { limit: this.limit, remaining: Math.max(0, this.limit - w.count), resetSeconds, allowed: w.count <= this.limit };
  }

  /** Drops the windows that have ended; the next sweep waits until the map doubles what is left. */
  private sweep(now: number) {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
    this.nextSweep = Math.max(this.sweepAt, this.windows.size * 2);
  }

  /** Keys with a window, for tests. */
  get size() { return this.windows.size; }
}
