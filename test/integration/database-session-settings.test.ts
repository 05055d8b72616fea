import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { queueConnection } from '../../src/db/tls.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

/**
 * A database whose DBA set sessions' dates, bytea output and isolation otherwise: Omni's
 * connections, both drivers', start with the settings its SQL and the drivers' parsers expect
 * (src/db/session-settings.ts). Under `SQL, DMY` a batch accepted on December 7th read July 12th
 * and, from the 13th, answered 500; under `escape` every product batch failed BAT_003; under
 * `serializable` concurrent accepts answered 500; under an idle_session_timeout the job queue's
 * LISTEN connection was cut again and again (DBA-settings QA).
 */
let db: Awaited<ReturnType<typeof scratchDatabase>>;
beforeAll(async () => {
  db = await scratchDatabase('omni_dba_settings');
  const owner = connect(db.url, 1);
  for (const setting of ["DateStyle = 'SQL, DMY'", "bytea_output = 'escape'", "default_transaction_isolation = 'serializable'", "timezone = 'America/St_Johns'", "idle_session_timeout = '2s'"]) {
    await owner.unsafe(`alter database ${db.name} set ${setting}`);
  }
  await owner.end();
});
afterAll(async () => { await db.drop(); });

const QUERY = `select timestamptz '2026-12-13 10:00:00Z' as at, '\\x0102ff'::bytea as bytes,
  current_setting('transaction_isolation') as isolation, current_setting('TimeZone') as zone,
  current_setting('idle_session_timeout') as idle`;
const EXPECTED = { at: new Date('2026-12-13T10:00:00Z'), bytes: Buffer.from([1, 2, 255]), isolation: 'read committed', zone: 'UTC', idle: '0' };

describe('the session settings of Omni\'s connections', () => {
  it('are its own in the API\'s driver (postgres.js), whatever the database sets', async () => {
    const sql = connect(db.url, 1);
    try {
      const [row] = await sql.unsafe(QUERY);
      expect({ ...row, bytes: Buffer.from(row.bytes) }).toEqual(EXPECTED);
    } finally {
      await sql.end();
    }
  });

  it('and in the job queue\'s (pg), with a setting the URL\'s own options name kept', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c application_name=from-url');
    const pool = new pg.Pool({ ...(await queueConnection(url.toString())), max: 1 });
    try {
      const { rows: [row] } = await pool.query(`${QUERY}, current_setting('application_name') as app`);
      expect(row).toEqual({ ...EXPECTED, app: 'from-url' });
    } finally {
      await pool.end();
    }
  });
});
