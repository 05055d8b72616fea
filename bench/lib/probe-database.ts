import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './environment.js';

/**
 * A database for a probe: DATABASE_URL's when set, else an embedded PostgreSQL in a
 * temporary folder (removed by close()). Probes measure the driver, not Omni's schema,
 * so nothing is migrated.
 */
export async function openProbeDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, close: async () => {} };
  const dataDir = await mkdtemp(join(tmpdir(), 'omni-probe-'));
  const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
  return {
    url: pg.connectionString,
    async close() { await pg.stop(); await rm(dataDir, { recursive: true, force: true }); },
  };
}
