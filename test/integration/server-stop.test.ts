import { describe, expect, it } from 'vitest';
import { start } from '../../src/server.js';
import { withoutAddedListeners } from '../../src/process-listeners.js';
import { testConfig } from '../helpers/test-app.js';

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
