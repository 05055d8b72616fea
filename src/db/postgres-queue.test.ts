import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * postgres.js keeps a pool's connections in Queues (src/queue.js). Upstream, shift()
 * leaves a hole where the entry was and only drops the holes once the queue runs
 * empty, and remove() searches from the first hole: a pool whose open queue never
 * runs empty (any pool with more connections than concurrent queries) grows that
 * array by one entry a query and searches all of it on every query. Measured with
 * 10 connections: 302 µs a query after 50,000 queries, 458 µs after 200,000, against
 * 151 and 177 µs patched (bench/probe-pool.ts, embedded PostgreSQL). patches/postgres+3.4.9.patch, applied
 * by `npm install` (patch-package), searches from the first live entry and compacts.
 * The patch also adds pop(): a pool takes its most recently released connection
 * (test/integration/pool-reuse.test.ts).
 */
type Queue<T> = { length: number; push(x: T): T; shift(): T; pop(): T | undefined; remove(x: T): T | null };
const require = createRequire(import.meta.url);
const queueFile = join(dirname(require.resolve('postgres')), 'queue.js').replace(/cjs[\\/]src/, 'src');
const { default: Queue } = (await import(pathToFileURL(queueFile).href)) as { default: <T>(initial?: T[]) => Queue<T> };

const realIndexOf = Array.prototype.indexOf;
afterEach(() => { Array.prototype.indexOf = realIndexOf; });

describe('postgres.js connection queues (patched)', () => {
  it('keeps what a pool moves between its open and busy queues in order, and searches only live entries', () => {
    const connections = Array.from({ length: 10 }, (_, i) => ({ id: i }));
    const open = Queue(connections);
    const busy = Queue<{ id: number }>();
    let longestSearched = 0;
    Array.prototype.indexOf = function (this: unknown[], ...args: [unknown, number?]) {
      longestSearched = Math.max(longestSearched, this.length - (args[1] ?? 0));
      return realIndexOf.apply(this, args);
    };
    const order: number[] = [];
    let misplaced = 0;
    // What index.js does for a query: take an open connection, move it to busy, and back when done.
    for (let i = 0; i < 100_000; i++) {
      const c = open.shift();
      order.push(c.id);
      if (open.remove(c) !== null) misplaced++; // move(c, busy) from the queue it was shifted out of
      busy.push(c);
      if (busy.remove(c) !== c) misplaced++;
      open.push(c);
    }
    Array.prototype.indexOf = realIndexOf;
    expect(misplaced).toBe(0);
    expect(open.length).toBe(10);
    expect(busy.length).toBe(0);
    expect(order.slice(0, 12)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(order.at(-1)).toBe(9);
    // Unpatched, the last searches cover ~100,000 entries (every hole); patched, the live ones and at most ~1,024 holes.
    expect(longestSearched).toBeLessThan(2_100);
  });

  it('removes an entry from the middle after shifts and compaction', () => {
    const q = Queue<number>();
    for (let i = 0; i < 5_000; i++) q.push(i);
    for (let i = 0; i < 3_000; i++) expect(q.shift()).toBe(i);
    expect(q.remove(4_000)).toBe(4_000);
    expect(q.remove(10)).toBeNull();
    expect(q.length).toBe(1_999);
    expect(q.shift()).toBe(3_000);
    const rest: number[] = [];
    while (q.length) rest.push(q.shift());
    expect(rest).toHaveLength(1_998);
    expect(rest.includes(4_000)).toBe(false);
    expect(rest.at(-1)).toBe(4_999);
  });

  it('pops the entry pushed last, never one shifted out, and runs empty cleanly', () => {
    const q = Queue<number>();
    for (let i = 0; i < 5; i++) q.push(i);
    expect(q.shift()).toBe(0);
    expect(q.pop()).toBe(4);
    q.push(5);
    expect(q.pop()).toBe(5);
    expect([q.pop(), q.pop(), q.pop()]).toEqual([3, 2, 1]);
    expect(q.length).toBe(0);
    expect(q.pop()).toBeUndefined();
    q.push(6);
    expect(q.length).toBe(1);
    expect(q.shift()).toBe(6);
  });
});
