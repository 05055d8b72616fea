/** The longest wait between two attempts of a delivery, whatever the backoff or the receiver asks. */
export const MAX_RETRY_DELAY_MS = 6 * 3600 * 1000;

/** Delay before retry n (1-based): base, x4 each time, capped at 6 hours. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 4 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

/**
 * The wait a failed answer's Retry-After asks for (RFC 9110: delay-seconds or an HTTP-date), in
 * ms from `now`; undefined when there is none or it cannot be read.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date as senders write it (IMF-fixdate): Date.parse alone takes "-5" or "1.5" for dates.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * When the next attempt goes: the backoff, or later if the receiver's Retry-After asks for more
 * (Standard Webhooks: a Retry-After "should be taken into consideration when scheduling the next
 * attempt"; a 429 or 503 retried sooner than asked would likely fail again), never more than
 * MAX_RETRY_DELAY_MS away. A shorter Retry-After does not hasten the backoff.
 */
export function nextAttemptDelayMs(attempt: number, baseMs: number, retryAfter: number | undefined): number {
  return Math.min(Math.max(retryDelayMs(attempt, baseMs), retryAfter ?? 0), MAX_RETRY_DELAY_MS);
}
