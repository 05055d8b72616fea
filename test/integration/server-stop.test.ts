import { describe, expect, it } from 'vitest';
import { start } from '../../src/server.js';
import { testConfig } from '../helpers/test-app.js';

describe('the server shutdown', () => {
  it('goes on with the database when the worker fails to stop, and reports the failure', { timeout: 30000 }, async () => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
    const server = await start({ api: true, worker: true, config: testConfig({ OMNI_DEMO: 'false' }) });
    try {
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
    } finally {
      // start() listens for SIGINT and SIGTERM to exit the process; this one is vitest's.
      for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l);
    }
  });
});
