/**
 * A transaction PostgreSQL ended to break a deadlock (40P01) or a serialization failure
 * (40001) lost a race: nothing of it was written, and the same transaction run again
 * usually succeeds once the winner has committed (PostgreSQL's advice: retry it). Anything
 * else is the caller's.
 */
export function lostRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs `transaction` (a whole transaction: it starts and ends inside) and runs it again, up to
 * `attempts` times in all, while PostgreSQL ends it for a lost race; each retry after a short
 * random pause, so two losers do not meet again at once. The last loss is thrown.
 */
export async function retryingLostRaces<T>(transaction: () => Promise<T>, opts: { attempts?: number; onRetry?: (err: Error, attempt: number) => void } = {}): Promise<T> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (!lostRace(err) || attempt >= attempts) throw err;
      opts.onRetry?.(err as Error, attempt);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}
