import { AppError } from '../errors/app-error.js';

export const MAX_CLOCK_SKEW_MS = 300_000;

/** Units a partner's clock call may have produced instead of epoch milliseconds, and their factor to milliseconds. */
const OTHER_UNITS = [['seconds', 1000], ['microseconds', 1e-3], ['nanoseconds', 1e-6]] as const;

/**
 * Why an x-timestamp that failed the freshness check failed, when there is more to say than
 * the seeds' context: a value that is fresh once read in another unit (seconds from `Date.now()/1000`
 * or a Unix clock, micro- or nanoseconds from a high-resolution one), or one that is no integer.
 * Undefined for a plain stale or future timestamp (the seeds' context says it all).
 */
export function timestampMistake(raw: string, now: number): string | undefined {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  for (const [unit, toMs] of OTHER_UNITS) {
    if (Number.isFinite(value) && Math.abs(now - value * toMs) <= MAX_CLOCK_SKEW_MS) {
      return `x-timestamp looks like epoch ${unit}; send epoch milliseconds (an integer, e.g. ${Math.round(value * toMs)})`;
    }
  }
  if (!/^\d{1,16}$/.test(raw)) return `x-timestamp must be an integer of epoch milliseconds, e.g. ${now}`;
  return undefined;
}

/**
 * AUTH_003 unless `raw` is an integer of epoch milliseconds within 300 s of `now`, either way.
 * The context is the seeds' {providedTimestamp, currentTime, ageSeconds}, plus a `reason` when
 * timestampMistake() finds one.
 */
export function checkTimestamp(raw: string, now: number): void {
  const provided = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(provided) && Math.abs(now - provided) <= MAX_CLOCK_SKEW_MS) return;
  const reason = timestampMistake(raw, now);
  throw new AppError('AUTH_003', {
    providedTimestamp: Number.isNaN(provided) ? raw : provided,
    currentTime: now,
    // Whole seconds, rounded down as the seeds count (2,781.653 s → 2781); a future timestamp's
    // (negative) too, so that one 300.5 s ahead says -301, not the -300 that would be allowed.
    ageSeconds: Number.isNaN(provided) ? null : Math.floor((now - provided) / 1000),
    ...(reason ? { reason } : {}),
  });
}
