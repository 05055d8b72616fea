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

/**
 * A migrated probe database with one partner and one store of `warehouses` warehouses, on one
 * connection (`url` for more); close() ends the connection and the database.
 */
export async function openProbeStore(warehouses: number) {
  const [{ randomBytes }, { connect }, { migrate }, { createPartner }, { createStore }] = await Promise.all([
    import('node:crypto'), import('../../src/db/database.js'), import('../../src/db/migrate.js'),
    import('../../src/partners/partners.js'), import('../../src/stores/stores.js')]);
  const db = await openProbeDatabase();
  const sql = connect(db.url, 1);
  try {
    await migrate(sql, db.url);
    const partner = await createPartner(sql, randomBytes(32), { name: 'Probe' });
    const { storeId } = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'S', warehouses });
    return { sql, url: db.url, partner, storeId, async close() { await sql.end(); await db.close(); } };
  } catch (err) {
    await sql.end();
    await db.close();
    throw err;
  }
}
