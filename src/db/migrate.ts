import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import { runMigrations as runWorkerMigrations } from 'graphile-worker';
import type { Sql } from './database.js';

const MIGRATIONS_GLOB = fileURLToPath(new URL('../../migrations/*.sql', import.meta.url));
/** Any fixed number: serialises concurrent starts of several API/worker processes. */
const MIGRATION_LOCK = 727_001;

/**
 * Brings the schema up to date: graphile-worker's own schema, then our SQL
 * files (postgrator, tracked in public.schemaversion). Safe to run from many
 * processes at once: they queue on an advisory lock, and the later ones find
 * nothing left to do. Returns the file names of the migrations it applied
 * (0088.do.name.sql), oldest first.
 */
export async function migrate(sql: Sql, connectionString: string): Promise<string[]> {
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK})`;
    const postgrator = new Postgrator({
      migrationPattern: MIGRATIONS_GLOB,
      driver: 'pg',
      schemaTable: 'schemaversion',
      execQuery: async (query: string) => ({ rows: await conn.unsafe(query) }),
    });
    // The queue's schema first: our migrations use it (e.g. webhook fan-out enqueues jobs).
    await runWorkerMigrations({ connectionString, logger: undefined });
    const applied = await postgrator.migrate();
    return applied.map((m) => basename(m.filename));
  } finally {
    await conn`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
    conn.release();
  }
}
