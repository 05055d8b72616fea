import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectStatements } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { buildApp } from '../../src/http/app.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { TEST_KEY_B64, testConfig } from '../helpers/test-app.js';

/**
 * A database that takes no writes: a DBA's default_transaction_read_only (or a standby named by
 * mistake). The API started and answered /ready 200, then every write 500, and a worker stopped
 * with "cannot execute INSERT in a read-only transaction", naming neither (DBA-settings QA).
 */
let db: Awaited<ReturnType<typeof scratchDatabase>>;
beforeAll(async () => {
  db = await scratchDatabase('omni_read_only');
  const owner = connect(db.url, 1);
  await owner.unsafe(`alter database ${db.name} set default_transaction_read_only = on`);
  await owner.end();
});
afterAll(async () => { await db?.drop(); });

const REASON = 'the database takes no writes: its sessions are read-only (default_transaction_read_only is on for this role or database): '
  + 'ALTER ROLE … SET default_transaction_read_only = off, or connect as a role that writes';

describe('a database whose sessions are read-only', () => {
  it('is not ready (SYS_002, saying why)', async () => {
    const config = testConfig({ DATABASE_URL: db.url });
    const [sql, statements] = [connect(db.url, 2), connectStatements(db.url, 1)];
    const app = await buildApp({ sql, statements, config, encryptionKey: Buffer.from(TEST_KEY_B64, 'base64') }, { logger: false });
    try {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      expect([ready.statusCode, ready.json().error.code, ready.json().error.details.context.reason]).toEqual([503, 'SYS_002', REASON]);
    } finally {
      await app.close();
      await Promise.all([sql.end(), statements.end()]);
    }
  });

  it('stops a start or a command before anything else, saying why', async () => {
    const sql = connect(db.url, 1);
    try {
      await expect(migrate(sql, db.url)).rejects.toThrow(REASON);
    } finally {
      await sql.end();
    }
  });
});
