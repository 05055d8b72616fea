import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Sql } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { waitForExternalDatabase } from '../db/wait-at-start.js';
import pino from 'pino';
import { loadEncryptionKey } from '../auth/encryption-key.js';
import { output, type CellFormats } from './output.js';

export interface CliContext {
  sql: Sql;
  config: Config;
  key: Buffer;
  /** Migrations this command applied (usually none: the server applies them at start). */
  applied: string[];
}

/**
 * Opens the configured database for one command (attaching to a running
 * embedded server when there is one), makes sure the schema is current, runs
 * `fn`, and closes everything so the process can exit.
 */
export async function withDatabase<T>(fn: (ctx: CliContext) => Promise<T>, opts: { waitForDatabase?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    // `omni migrate --wait` (an init container started beside its database): as `omni serve` does, its lines on stderr.
    if (opts.waitForDatabase && !config.embedded) await waitForExternalDatabase(db, config, pino({ level: config.LOG_LEVEL }, pino.destination(2)));
    const applied = await migrate(db.sql, db.connectionString);
    return await fn({ sql: db.sql, config, key: await loadEncryptionKey(config), applied });
  } finally {
    await db.close();
  }
}

/** Wraps a command handler: open the database, run it, print its result (output.ts; one JSON object with --json). */
export function adminAction<O extends { json?: boolean }>(fn: (ctx: CliContext, opts: O) => Promise<object>, formats?: CellFormats) {
  return async (opts: O) => output(await withDatabase((ctx) => fn(ctx, opts)), opts.json, formats);
}
