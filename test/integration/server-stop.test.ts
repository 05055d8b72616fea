import { describe, expect, it } from 'vitest';
import { start } from '../../src/server.js';
import { withoutAddedListeners } from '../../src/process-listeners.js';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestApp, testConfig } from '../helpers/test-app.js';

describe('the server shutdown', () => {
  it('goes on with the database when the worker fails to stop, and reports the failure', { timeout: 30000 }, async () => {
    // start() listens for SIGINT and SIGTERM to exit the process; this one is vitest's.
    const server = await withoutAddedListeners(['SIGINT', 'SIGTERM'], () => start({ api: true, worker: true, config: testConfig({ OMNI_DEMO: 'false' }) }));
    const stopWorker = server.runner!.stop.bind(server.runner);
    server.runner!.stop = async () => { await stopWorker(); throw new Error('worker would not stop'); };
    const address = server.app!.server.address();
    expect(address).not.toBeNull();

    expect(await server.stop()).toBe(false);
    // Every step ran: the API no longer listens, and the database pool is closed.
    expect(server.app!.server.listening).toBe(false);
    await expect(server.db.sql`select 1`).rejects.toThrow(/CONNECTION_ENDED|ended/i);
    // A second stop (the other signal) waits for the same shutdown instead of starting one.
    expect(await server.stop()).toBe(false);
  });
});

describe('a request that arrives while the API closes', () => {
  it('is answered SYS_002 in the envelope, with its request id and Retry-After (Fastify answered a bare JSON of its own)', { timeout: 30000 }, async () => {
    let entered: () => void = () => {};
    const slowEntered = new Promise<void>((r) => { entered = r; });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const ctx = await createTestApp({ extend: (app) => app.get('/test-slow', async () => { entered(); await gate; return { ok: true }; }) });
    try {
      await ctx.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = ctx.app.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d) => { received += d; });
      const ended = new Promise((r) => socket.once('close', r));
      // A connection busy when the close begins stays open (only idle ones are closed): a second
      // request sent on it then is read.
      socket.write('GET /test-slow HTTP/1.1\r\nHost: t\r\n\r\n');
      await slowEntered;
      const closed = ctx.app.close();
      await new Promise((r) => setTimeout(r, 50));
      socket.write('GET /health HTTP/1.1\r\nHost: t\r\n\r\n');
      await new Promise((r) => setTimeout(r, 50));
      release();
      await ended;
      await closed;
      const second = received.slice(received.indexOf('HTTP/1.1', 1));
      expect(received.startsWith('HTTP/1.1 200')).toBe(true);
      expect(second.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(second).toMatch(/\r\nretry-after: 5\r\n/i);
      expect(second).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
      expect(second).toMatch(/\r\nconnection: close\r\n/i);
      const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4));
      expect(body).toMatchObject({ success: false, error: { code: 'SYS_002' } });
    } finally {
      release();
      await ctx.close();
    }
  });
});
