/** The longest wait between two attempts of a delivery, whatever the backoff or the receiver asks. */
export const MAX_RETRY_DELAY_MS = 6 * 3600 * 1000;

/** Delay before retry n (1-based): base, x4 each time, capped at 6 hours. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 4 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850_DATE = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME_DATE = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

/**
 * An HTTP-date in any of its three formats, which a recipient MUST accept (RFC 9110 5.6.7): only
 * IMF-fixdate was, and a receiver's `Retry-After` in the RFC 850 form was ignored (time QA). Read
 * as UTC by its fields (Date.parse took an asctime date in the process's zone), a two-digit year
 * more than 50 years ahead as the century before (as the RFC says); undefined when it is none.
 */
export function parseHttpDate(value: string, now: number): number | undefined {
  let day: string, month: string, year: number, h: string, m: string, s: string;
  let match: RegExpExecArray | null;
  if ((match = IMF_FIXDATE.exec(value))) [, day, month, , h, m, s] = match, year = Number(match[3]);
  else if ((match = RFC850_DATE.exec(value))) {
    [, day, month, , h, m, s] = match;
    const thisYear = new Date(now).getUTCFullYear();
    year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
  } else if ((match = ASCTIME_DATE.exec(value))) [, month, day, h, m, s] = match, year = Number(match[6]);
  else return undefined;
  const monthIndex = MONTHS.indexOf(month.toLowerCase());
  const at = Date.UTC(year, monthIndex, Number(day), Number(h), Number(m), Number(s));
  // Fields out of range (Feb 30, 25:00) roll over in Date.UTC: such a date is none.
  const back = new Date(at);
  return monthIndex < 0 || back.getUTCDate() !== Number(day) || back.getUTCHours() !== Number(h) || Number(m) > 59 || Number(s) > 60 ? undefined : at;
}

/**
 * The wait a failed answer's Retry-After asks for (RFC 9110: delay-seconds or an HTTP-date), in
 * ms from `now`; undefined when there is none or it cannot be read.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Not Date.parse alone: it takes "-5" or "1.5" for dates.
  const at = parseHttpDate(value, now);
  return at === undefined ? undefined : Math.max(0, at - now);
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
