import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { connect } from '../../src/db/database.js';
import { databaseUrlFor } from './database-url.js';

/**
 * Setup file: each test file gets a database of its own, copied from the run's migrated template
 * (test/helpers/global-setup.ts), and a data folder of its own. Files then run at once without
 * one file's worker taking another's queued jobs or one file's rows showing in another's lists.
 * `testDatabaseUrl()` and `testDataDir()` give them to the file.
 */
const template = inject('templateDatabase');
const name = `${template}_${randomBytes(4).toString('hex')}`;
const admin = connect(inject('adminUrl'), 1);
await admin.unsafe(`create database ${name} template ${template}`);
process.env.OMNI_TEST_DATABASE_URL = databaseUrlFor(inject('adminUrl'), name);
process.env.OMNI_TEST_DATA_DIR = join(inject('dataDir'), name);
await mkdir(process.env.OMNI_TEST_DATA_DIR, { recursive: true });

afterAll(async () => {
  await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
  await admin.end();
});
