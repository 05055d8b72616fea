import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_LOST, QueuePool } from './queue-pool.js';
import { QUEUE_STOPPED } from './queue-outage.js';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js';
import { testDatabaseUrl } from '../../test/helpers/test-database.js';

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err: unknown) => err as Error & { code?: string });
const settled = async (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), ms))]);

function queuePool(connectionString: string, outage: Partial<ConstructorParameters<typeof QueuePool>[0]['outage']> = {}, max = 4, connectTimeoutMs = 5000) {
  const events: string[] = [];
  const pool = new QueuePool({
    connectionString, max, connectTimeoutMs,
    outage: {
      probeMs: 50, giveUpAfterMs: 0,
      onDown: () => events.push('down'), onUp: (ms) => events.push(`up after ${ms >= 250 ? '≥250' : '<250'} ms`),
      onGiveUp: () => events.push('give up'),
      ...outage,
    },
  });
  pool.on('error', () => {});
  pool.on('connect', (c) => { c.on('error', () => {}); });
  return { pool, events };
}

describe('the job queue pool', () => {
  it('fails a connection a full server refuses (53300) with the code graphile-worker retries, and starts no outage', async () => {
    const { connect } = await import('../db/database.js');
    const admin = connect(testDatabaseUrl(), 1);
    const role = `omni_full_queue_${Date.now()}`;
    await admin.unsafe(`create role ${role} login password 'x' connection limit 0`);
    const url = new URL(testDatabaseUrl());
    [url.username, url.password] = [role, 'x'];
    const { pool, events } = queuePool(url.toString());
    pool.patient = true;
    try {
      expect((await failure(pool.connect())).code).toBe(CONNECTION_LOST);
      // No outage: the next caller tries again at once rather than waiting for a probe (review).
      expect((await failure(pool.connect())).code).toBe(CONNECTION_LOST);
      expect(events).toEqual([]);
    } finally {
      pool.stopWaiting();
      await pool.end();
      await admin.unsafe(`drop role if exists ${role}`);
      await admin.end();
    }
  });

  it('bounds the opening of a connection (CONNECT_TIMEOUT), not the wait for a free one', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { pool: hanging } = queuePool(`postgres://omni:x@127.0.0.1:${(silent.address() as AddressInfo).port}/omni`, {}, 1, 300);
    try {
      const started = Date.now();
      const err = await failure(hanging.connect());
      expect([err.code, err.message]).toEqual(['CONNECT_TIMEOUT', 'could not connect to the database within 300 ms (DB_CONNECT_TIMEOUT_MS)']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await hanging.end();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }

    // One connection, busy for longer than the timeout: the next caller waits for it.
    const { pool } = queuePool(testDatabaseUrl(), {}, 1, 300);
    try {
      const busy = await pool.connect();
      const next = pool.connect();
      expect(await settled(next, 600)).toBe('pending');
      busy.release();
      const client = await next;
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      client.release();
    } finally {
      await pool.end();
    }
  });

  describe('during an outage', () => {
    let proxy: TcpProxy;
    beforeAll(async () => { proxy = await startTcpProxy(testDatabaseUrl()); });
    afterAll(() => proxy?.close());

    it('reports it once, makes its callers wait for one probe instead of connecting each, and lets them go on once it ends', async () => {
      const { pool, events } = queuePool(proxy.url);
      pool.patient = true;
      try {
        expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
        await proxy.cut();
        // Its idle connection closed (else the next caller gets it, to fail at its first query).
        for (let i = 0; pool.totalCount > 0; i++) {
          if (i > 100) throw new Error('the idle connection did not close');
          await new Promise((r) => setTimeout(r, 10));
        }
        // The first to meet it fails with the code graphile-worker retries; it starts the outage.
        expect((await failure(pool.connect())).code).toBe(CONNECTION_LOST);
        const waiting = [pool.connect().then((c) => c.release()), pool.query('select 2 as two'), pool.connect().then((c) => c.release())];
        for (const w of waiting) expect(await settled(w, 100)).toBe('pending');
        await new Promise((r) => setTimeout(r, 200));
        expect(events).toEqual(['down']);
        await proxy.restore();
        const resumed = Date.now();
        await Promise.all(waiting);
        expect(Date.now() - resumed).toBeLessThan(1000);
        expect((await waiting[1] as { rows: unknown[] }).rows).toEqual([{ two: 2 }]);
        expect(events).toEqual(['down', 'up after ≥250 ms']);
      } finally {
        pool.stopWaiting();
        await pool.end();
        await proxy.restore();
      }
    });

    it('gives up after giveUpAfterMs; stopping then fails what waits at once (QUEUE_STOPPED)', async () => {
      const { pool, events } = queuePool(proxy.url, { giveUpAfterMs: 200 });
      pool.patient = true;
      try {
        await proxy.cut();
        expect((await failure(pool.connect())).code).toBe(CONNECTION_LOST);
        const waiting = failure(pool.connect());
        await new Promise((r) => setTimeout(r, 400));
        expect(events).toEqual(['down', 'give up']);
        pool.stopWaiting();
        expect((await waiting).code).toBe(QUEUE_STOPPED);
        // A connection opened after the stop is not waited for either.
        expect((await failure(pool.connect())).code).toBe(QUEUE_STOPPED);
      } finally {
        await pool.end();
        await proxy.restore();
      }
    });
  });
});
