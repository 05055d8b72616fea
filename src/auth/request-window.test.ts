import { describe, expect, it } from 'vitest';
import { RequestWindows } from './request-window.js';

describe('RequestWindows', () => {
  it('counts each request of a key once, in order, and refuses past the limit until the window ends', () => {
    let now = 1_000_000;
    const windows = new RequestWindows(3, 60_000, () => now);
    expect([1, 2, 3, 4].map(() => windows.count('a'))).toEqual([
      { limit: 3, remaining: 2, resetSeconds: 60, allowed: true },
      { limit: 3, remaining: 1, resetSeconds: 60, allowed: true },
      { limit: 3, remaining: 0, resetSeconds: 60, allowed: true },
      { limit: 3, remaining: 0, resetSeconds: 60, allowed: false },
    ]);
    expect(windows.count('b')).toMatchObject({ remaining: 2, allowed: true });
    now += 59_001;
    expect(windows.count('a')).toMatchObject({ allowed: false, resetSeconds: 1 });
    now += 999;
    expect(windows.count('a')).toEqual({ limit: 3, remaining: 2, resetSeconds: 60, allowed: true });
  });

  it('says 60 seconds of a window just begun, whatever fraction of a millisecond the clock reads (it said 61)', () => {
    // A performance.now() reading for which (start + 60000) - start is 60000.00000000003.
    const windows = new RequestWindows(3, 60_000, () => 252494.82074306995);
    expect(windows.count('a').resetSeconds).toBe(60);
  });

  it('drops the windows that ended once the map grows, keeping the ones still counting', () => {
    let now = 0;
    const windows = new RequestWindows(1, 1000, () => now, 4);
    for (const key of ['a', 'b', 'c']) windows.count(key);
    now = 500;
    windows.count('d');
    expect(windows.size).toBe(4);
    now = 1200;
    // a, b, c ended; d still counts (and is still refused).
    windows.count('e');
    expect(windows.size).toBe(2);
    now = 1400;
    expect(windows.count('d')).toMatchObject({ allowed: false });
  });
});
