import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { connect } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    dataDir: string;
  }
}

/**
 * One fresh, migrated database for the whole run: on DATABASE_URL's server when
 * it is set (a new database there, dropped at the end), otherwise on an
 * embedded PostgreSQL in a temporary folder.
 */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'omni-test-'));
  await chmod(dataDir, 0o755);
  const dbName = `omni_test_${randomBytes(4).toString('hex')}`;
  let adminUrl: string;
  let stopEmbedded = async () => {};
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const port = await freePort();
    const embedded = await startEmbeddedPostgres({ dataDir, port, database: 'postgres' });
    adminUrl = embedded.connectionString;
    stopEmbedded = embedded.stop;
  }
  const admin = connect(adminUrl, 1);
  await admin.unsafe(`create database ${dbName}`);
  const databaseUrl = adminUrl.replace(/\/[^/?]*(\?.*)?$/, `/${dbName}$1`).replace(/undefined$/, '');
  const sql = connect(databaseUrl, 2);
  await migrate(sql, databaseUrl);
  await sql.end();
  project.provide('databaseUrl', databaseUrl);
  project.provide('dataDir', dataDir);

  return async () => {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await admin.end();
    await stopEmbedded();
    await rm(dataDir, { recursive: true, force: true });
  };
}
