import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { embeddedMaxConnections } from '../../src/db/embedded.js';
import { freePort } from '../helpers/free-port.js';

// The embedded server's max_connections was a fixed 200: a worker of WORKER_CONCURRENCY and
// WEBHOOK_CONCURRENCY 100 (within their ranges) took 197 for its queue alone, and the API's requests
// failed SYS_002 "too many clients" once it was ready (limits QA).
describe('the embedded server\'s max_connections', () => {
  it('is 200, or room for two processes of the configuration and a few more', () => {
    const pools = { DB_POOL_MAX: 10, DB_STATEMENT_POOL_MAX: 2, WORKER_CONCURRENCY: 4, WEBHOOK_CONCURRENCY: 4 };
    expect(embeddedMaxConnections(pools)).toBe(200);
    expect(embeddedMaxConnections({ ...pools, WORKER_CONCURRENCY: 100, WEBHOOK_CONCURRENCY: 100 })).toBe(2 * (10 + 2 + 100 + 100 + 2) + 20);
  });

  it('is what the server a process opens runs with', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'omni-max-connections-'));
    // The embedded server whatever DATABASE_URL the run has (the external PostgreSQL's run sets it).
    const external = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const port = String(await freePort());
    let config;
    try {
      config = loadConfig({ OMNI_DATA_DIR: dataDir, OMNI_PG_PORT: port, WORKER_CONCURRENCY: '100', WEBHOOK_CONCURRENCY: '100' });
    } finally {
      if (external !== undefined) process.env.DATABASE_URL = external;
    }
    const db = await openDatabase(config);
    try {
      expect((await db.sql`show max_connections`)[0].max_connections).toBe('448');
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
