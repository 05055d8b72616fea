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
      socket.write('GET /test-slow HTTP/1.1\r\nHost: t\r\n\r\n');
      await slowEntered;
      // Requests whose headers were still coming when the close began: read after it. A seller's
      // page among them: a page says it, not the API's JSON (QA).
      const headersStillComing = async (path: string) => {
        const other = connect(port, '127.0.0.1');
        let answer = '';
        other.on('data', (d) => { answer += d; });
        const otherEnded = new Promise((r) => other.once('close', r));
        await new Promise((r) => other.once('connect', r));
        other.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n`);
        return { end: async () => { other.write('\r\n'); await otherEnded; return answer; } };
      };
      const [health, onboarding] = [await headersStillComing('/health'), await headersStillComing('/onboard/obs_x')];
      await new Promise((r) => setTimeout(r, 50));
      const closed = ctx.app.close();
      await new Promise((r) => setTimeout(r, 50));
      const [late, sellerAnswer] = await Promise.all([health.end(), onboarding.end()]);
      expect(sellerAnswer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(sellerAnswer).toMatch(/\r\ncontent-type: text\/html; charset=utf-8\r\n[\s\S]*<h1>Temporarily unavailable<\/h1>/i);
      expect(late.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(late).toMatch(/\r\nretry-after: 5\r\n/i);
      expect(late).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
      expect(late).toMatch(/\r\nconnection: close\r\n/i);
      const body = JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4));
      expect(body).toMatchObject({ success: false, error: { code: 'SYS_002', details: { context: { reason: 'The server is shutting down' } } } });
      expect(body.error.details.hint).toMatch(/this server stopping/);
      // The request in flight is answered, and its connection closed with it (kept alive, an idle
      // client held the close until keepAliveTimeout, 72 s: QA).
      release();
      await ended;
      await closed;
      expect(received.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(received).toMatch(/\r\nconnection: close\r\n/i);
    } finally {
      release();
      await ctx.close();
    }
  });

  it('ends the stop within SHUTDOWN_TIMEOUT_MS while a client holds a half-sent body, the worker stopped meanwhile', { timeout: 30000 }, async () => {
    const server = await withoutAddedListeners(['SIGINT', 'SIGTERM'], () => start({ api: true, worker: true, config: testConfig({ OMNI_DEMO: 'false', SHUTDOWN_TIMEOUT_MS: '1500' }) }));
    // The worker's stop begins with the API's, not after it (the held request kept it from starting: review).
    let workerStopAt = 0;
    const stopWorker = server.runner!.stop.bind(server.runner);
    server.runner!.stop = async () => { workerStopAt = Date.now(); await stopWorker(); };
    const { port } = server.app!.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    const ended = new Promise((r) => socket.once('close', r));
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /api/v1/partner/stores/catalog/sync HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"produ');
    await new Promise((r) => setTimeout(r, 100));
    const began = Date.now();
    // It never ended: Node stops timing requests out once its server closes (QA: still running 90 s on).
    expect(await server.stop()).toBe(false);
    expect(Date.now() - began).toBeLessThan(8000);
    expect(workerStopAt - began).toBeLessThan(1000);
    await ended;
  });
});
