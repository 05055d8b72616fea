import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { afterEach, describe, expect, it } from 'vitest';
import { withStartLock } from './start-lock.js';

describe('the embedded PostgreSQL\'s start lock', () => {
  const folders: string[] = [];
  afterEach(async () => { await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true }))); });

  it('runs one start at a time, and a start that waits says so (it waited without a word)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'omni-start-lock-'));
    folders.push(dataDir);
    const release = await lockfile.lock(dataDir, { lockfilePath: join(dataDir, 'pg-start.lock'), realpath: false });
    const said: string[] = [];
    const order: string[] = [];
    const second = withStartLock(dataDir, async () => { order.push('second start'); }, (message) => said.push(message));
    await new Promise((resolve) => setTimeout(resolve, 300));
    order.push('first released');
    await release();
    await second;
    expect(order).toEqual(['first released', 'second start']);
    expect(said).toEqual([`another process is setting up or starting the embedded PostgreSQL of ${dataDir}: waiting for it (up to 2 minutes)`]);
    // Released after it: the next start takes it at once, without a word.
    await withStartLock(dataDir, async () => {}, (message) => said.push(message));
    expect(said).toHaveLength(1);
  });
});
