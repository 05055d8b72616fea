import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { connect } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { databaseUrlFor } from './database-url.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated database each test file's own is copied from (test/helpers/file-database.ts). */
    templateDatabase: string;
    /** A connection to the run's server (its `postgres` database), for creating and dropping databases. */
    adminUrl: string;
    dataDir: string;
  }
}

/**
 * One migrated template database for the whole run: on DATABASE_URL's server when it is set (a
 * new database there, dropped at the end with every test file's copy), otherwise on an embedded
 * PostgreSQL in a temporary folder. Each test file works on a copy of its own, so files can run at
 * once without meeting each other's rows or queue jobs.
 */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'omni-test-'));
  await chmod(dataDir, 0o755);
  const templateDatabase = `omni_test_${randomBytes(4).toString('hex')}`;
  let serverUrl: string;
  let stopEmbedded = async () => {};
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
  } else {
    const port = await freePort();
    const embedded = await startEmbeddedPostgres({ dataDir, port, database: 'postgres' });
    serverUrl = embedded.connectionString;
    stopEmbedded = embedded.stop;
  }
  const adminUrl = databaseUrlFor(serverUrl, 'postgres');
  const admin = connect(adminUrl, 1);
  await admin.unsafe(`create database ${templateDatabase}`);
  const templateUrl = databaseUrlFor(serverUrl, templateDatabase);
  const sql = connect(templateUrl, 2);
  await migrate(sql, templateUrl);
  await sql.end();
  project.provide('templateDatabase', templateDatabase);
  project.provide('adminUrl', adminUrl);
  project.provide('dataDir', dataDir);

  return async () => {
    // The files' copies are named after the template (a file that died may have left its copy).
    const left = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${`${templateDatabase}%`} order by datname desc`.catch(() => []);
    for (const { datname } of left) await admin.unsafe(`drop database if exists ${datname} with (force)`).catch(() => {});
    await admin.end();
    await stopEmbedded();
    await rm(dataDir, { recursive: true, force: true });
  };
}
