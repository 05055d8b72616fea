import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connect } from '../../src/db/database.js';
import { databaseUrlFor } from './database-url.js';

/**
 * A database of the test's own on the run's server, beside its file's: for a test that needs
 * several, or a fresh one (`migrated: false`: an empty one, for a test of migrating; otherwise a
 * copy of the run's migrated template). `drop()` removes it.
 */
export async function scratchDatabase(prefix: string, { migrated = true } = {}) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = connect(inject('adminUrl'), 1);
  await admin.unsafe(migrated ? `create database ${name} template ${inject('templateDatabase')}` : `create database ${name}`);
  return {
    name,
    url: databaseUrlFor(inject('adminUrl'), name),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    },
  };
}
