import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MALLOC_SETTINGS } from './malloc-settings.js';

describe('malloc settings', () => {
  it('are the ones `npm start` runs the server with', () => {
    const start = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    const set = Object.fromEntries([...start.matchAll(/(MALLOC_\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(set).toEqual(MALLOC_SETTINGS);
    expect(start).toMatch(/ node bin\/omni\.js serve$/);
  });

  it('keep allocations of a catalog request (~1.2 MB) below the mmap threshold, freed memory in the heap', () => {
    expect(Number(MALLOC_SETTINGS.MALLOC_MMAP_THRESHOLD_)).toBeGreaterThanOrEqual(4 << 20);
    expect(Number(MALLOC_SETTINGS.MALLOC_TRIM_THRESHOLD_)).toBeGreaterThanOrEqual(2 * Number(MALLOC_SETTINGS.MALLOC_MMAP_THRESHOLD_));
  });
});
