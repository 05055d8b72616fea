import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { checkTimestamp } from './timestamp.js';

const NOW = 1_755_984_288_112;
const contextOf = (raw: string) => {
  try { checkTimestamp(raw, NOW); } catch (e) { expect((e as AppError).code).toBe('AUTH_003'); return (e as AppError).context; }
  return undefined;
};

describe('x-timestamp freshness (AUTH_003)', () => {
  it('accepts epoch milliseconds within 300 s either way', () => {
    for (const t of [NOW, NOW - 300_000, NOW + 300_000]) expect(contextOf(String(t))).toBeUndefined();
  });

  it("a plain stale timestamp has exactly the seeds' context", () => {
    expect(contextOf('1755983140094')).toEqual({ providedTimestamp: 1755983140094, currentTime: NOW, ageSeconds: 1148 });
  });

  it('says when the timestamp is fresh in seconds, microseconds or nanoseconds', () => {
    const seconds = contextOf(String(Math.floor(NOW / 1000)))!;
    expect(seconds).toMatchObject({ providedTimestamp: 1755984288, currentTime: NOW });
    expect(seconds.reason).toBe('x-timestamp looks like epoch seconds; send epoch milliseconds (an integer, e.g. 1755984288000)');
    expect(contextOf(String((NOW - 5000) / 1000))!.reason).toMatch(/^x-timestamp looks like epoch seconds; /);
    expect(contextOf(String(NOW * 1000))!.reason).toMatch(/^x-timestamp looks like epoch microseconds; /);
    expect(contextOf(`${NOW}000000`)).toMatchObject({ providedTimestamp: `${NOW}000000`, ageSeconds: null, reason: expect.stringMatching(/^x-timestamp looks like epoch nanoseconds; /) });
  });

  it('says a non-integer must be an integer of epoch milliseconds', () => {
    for (const raw of ['1.5e12', '2025-08-23T21:24:48Z', `${NOW}.5`]) {
      expect(contextOf(raw)).toEqual({ providedTimestamp: raw, currentTime: NOW, ageSeconds: null, reason: `x-timestamp must be an integer of epoch milliseconds, e.g. ${NOW}` });
    }
  });

  it('counts whole seconds rounded down, so that a refused future timestamp never reads as an allowed -300', () => {
    expect(contextOf(String(NOW + 300_500))!.ageSeconds).toBe(-301);
    expect(contextOf(String(NOW - 300_999))!.ageSeconds).toBe(300);
  });

  it('no reason for a value stale in every unit', () => {
    expect(contextOf('1700000000')).toEqual({ providedTimestamp: 1700000000, currentTime: NOW, ageSeconds: Math.floor((NOW - 1700000000) / 1000) });
  });
});
