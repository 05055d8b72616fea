import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, nextAttemptDelayMs, retryAfterMs, retryDelayMs } from './retry-schedule.js';

describe('webhook retry schedule', () => {
  it('backs off x4 from the base, at most 6 hours apart', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 60_000) / 60_000)).toEqual([1, 4, 16, 64, 256, 360, 360]);
  });

  it('reads Retry-After as delay-seconds or an HTTP-date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    for (const bad of [null, '', 'soon', '-5', '1.5']) expect(retryAfterMs(bad, now)).toBeUndefined();
  });

  it('takes the three HTTP-date formats a recipient must (RFC 9110 5.6.7), as UTC whatever the process\'s zone (time QA)', () => {
    const now = Date.parse('2026-12-07T08:19:23Z');
    for (const date of ['Mon, 07 Dec 2026 08:19:43 GMT', 'Monday, 07-Dec-26 08:19:43 GMT', 'Mon Dec  7 08:19:43 2026', 'mon, 07 dec 2026 08:19:43 gmt']) {
      expect([date, retryAfterMs(date, now)]).toEqual([date, 20_000]);
    }
    // A two-digit year more than 50 years ahead is the century before: 1994, long past.
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(0);
    for (const bad of ['Mon, 30 Feb 2026 08:19:43 GMT', 'Mon, 07 Dec 2026 25:19:43 GMT', 'Mon, 07 Foo 2026 08:19:43 GMT', 'Mon Dec  7 08:19:43 2026 GMT']) {
      expect([bad, retryAfterMs(bad, now)]).toEqual([bad, undefined]);
    }
  });

  it('waits the longer of the backoff and Retry-After, never more than the cap', () => {
    expect(nextAttemptDelayMs(1, 60_000, undefined)).toBe(60_000);
    expect(nextAttemptDelayMs(1, 60_000, 1_000)).toBe(60_000);
    expect(nextAttemptDelayMs(1, 60_000, 600_000)).toBe(600_000);
    expect(nextAttemptDelayMs(1, 60_000, 7 * 24 * 3600_000)).toBe(MAX_RETRY_DELAY_MS);
  });
});
