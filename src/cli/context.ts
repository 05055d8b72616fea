import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Sql } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { waitForExternalDatabase } from '../db/wait-at-start.js';
import pino from 'pino';
import { checkEncryptionKey, loadCheckedEncryptionKey } from '../auth/encryption-key-check.js';
import { output, type CellFormats } from './output.js';

export interface CliContext {
  sql: Sql;
  config: Config;
  /**
   * The encryption key, once checked against the database's (encryption-key-check.ts): loaded by
   * the commands that seal a secret (partner create, webhook add) and by them only, so that a
   * read-only command (a list, a show) neither needs OMNI_ENCRYPTION_KEY nor generates a key file.
   */
  key: () => Promise<Buffer>;
  /** Migrations this command applied (usually none: the server applies them at start). */
  applied: string[];
}

/**
 * Opens the configured database for one command (attaching to a running
 * embedded server when there is one), makes sure the schema is current, runs `fn`
 * (a command that seals a secret checks first that this process's encryption key is
 * the database's, `key()`: one with another key stops before it writes anything,
 * encryption-key-check.ts), and closes everything so the process can exit.
 */
export async function withDatabase<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  return withMigratedDatabase(async ({ sql, config, applied }) => {
    let checked: Promise<Buffer> | undefined;
    const key = () => (checked ??= loadCheckedEncryptionKey(sql, config).then((c) => c.key));
    return fn({ sql, config, key, applied });
  });
}

/**
 * `omni migrate`: no secret is sealed or opened, so no key is needed. An init container run
 * without OMNI_ENCRYPTION_KEY must not generate a key of its own and record it as the database's
 * (the API and workers, given the real key, would then be refused); one given the key still has
 * it checked (and recorded, on a new database).
 */
export async function migrateDatabase(opts: { waitForDatabase?: boolean } = {}): Promise<string[]> {
  return withMigratedDatabase(async ({ sql, config, applied }) => {
    if (config.OMNI_ENCRYPTION_KEY) await checkEncryptionKey(sql, Buffer.from(config.OMNI_ENCRYPTION_KEY, 'base64'), config);
    return applied;
  }, { ...opts, migrating: true });
}

async function withMigratedDatabase<T>(fn: (ctx: Omit<CliContext, 'key'>) => Promise<T>, opts: { waitForDatabase?: boolean; migrating?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  // An admin command run with a mistyped OMNI_DATA_DIR began a new, empty embedded database there,
  // wrote to it and exited 0, its output naming ids the server never heard of (QA): said on stderr.
  // Not by `omni migrate`, which begins one on purpose.
  const fresh = !opts.migrating && config.embedded && !existsSync(join(config.dataDir, 'pg', 'PG_VERSION'));
  const db = await openDatabase(config);
  if (fresh) {
    process.stderr.write(`note: no database was in ${resolve(config.dataDir)} (OMNI_DATA_DIR): this command began a new, empty one there; `
      + 'a server started elsewhere does not see it\n');
  }
  try {
    // `omni migrate --wait` (an init container started beside its database): as `omni serve` does, its lines on stderr.
    if (opts.waitForDatabase && !config.embedded) await waitForExternalDatabase(db, config, pino({ level: config.LOG_LEVEL }, pino.destination(2)));
    const applied = await migrate(db.sql, db.connectionString);
    return await fn({ sql: db.sql, config, applied });
  } finally {
    await db.close();
  }
}

/** Wraps a command handler: open the database, run it, print its result (output.ts; one JSON object with --json). */
export function adminAction<O extends { json?: boolean }>(fn: (ctx: CliContext, opts: O) => Promise<object>, formats?: CellFormats) {
  return async (opts: O) => output(await withDatabase((ctx) => fn(ctx, opts)), opts.json, formats);
}
