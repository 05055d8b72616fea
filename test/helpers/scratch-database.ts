import { randomBytes } from 'node:crypto';
import { connect } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { testConfig } from './test-app.js';

/**
 * A migrated database of the test's own on the run's server, for a test that counts what is in
 * the queue or must not share its jobs with other files' workers (`migrated: false`: an empty
 * one, for a test of migrating); `drop()` removes it.
 */
export async function scratchDatabase(prefix: string, { migrated = true } = {}) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const shared = testConfig().DATABASE_URL!;
  const admin = connect(shared, 1);
  await admin.unsafe(`create database ${name}`);
  const url = shared.replace(/\/[^/?]*(\?.*)?$/, (_m, q) => `/${name}${q ?? ''}`);
  if (migrated) {
    const migrator = connect(url, 2);
    await migrate(migrator, url);
    await migrator.end();
  }
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    },
  };
}
