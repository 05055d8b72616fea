import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

/**
 * A database whose DBA set sessions' dates, bytea output and isolation otherwise. Omni's
 * connections start with their own TimeZone and DateStyle (startup parameters a pooler passes on:
 * src/db/session-settings.ts); a bytea output or an isolation Omni cannot work with stops every
 * start and command, naming the fix. Under `SQL, DMY` a batch accepted on December 7th read July
 * 12th and, from the 13th, answered 500; under `escape` every product batch failed BAT_003; under
 * `serializable` concurrent accepts answered 500 (DBA-settings QA).
 */
let db: Awaited<ReturnType<typeof scratchDatabase>>;
const alter = async (...settings: string[]) => {
  const owner = connect(db.url, 1);
  for (const setting of settings) await owner.unsafe(`alter database ${db.name} ${setting}`);
  await owner.end();
};
beforeAll(async () => {
  db = await scratchDatabase('omni_dba_settings');
  await alter("set DateStyle = 'SQL, DMY'", "set timezone = 'America/St_Johns'");
});
afterAll(async () => { await db.drop(); });

describe('the session settings of Omni\'s connections', () => {
  it('are its own time zone and date style, whatever the database sets', async () => {
    const sql = connect(db.url, 1);
    try {
      const [row] = await sql`select timestamptz '2026-12-13 10:00:00Z' as at, current_setting('TimeZone') as zone`;
      expect(row).toEqual({ at: new Date('2026-12-13T10:00:00Z'), zone: 'UTC' });
      expect(await migrate(sql, db.url)).toEqual([]);
    } finally {
      await sql.end();
    }
  });

  it('stop a start or a command, naming the fix, where the database outputs bytea as escape or runs serializable', async () => {
    await alter("set bytea_output = 'escape'", "set default_transaction_isolation = 'serializable'");
    const sql = connect(db.url, 1);
    try {
      await expect(migrate(sql, db.url)).rejects.toThrow("the database's session settings: "
        + "bytea_output is escape, where Omni reads hex: ALTER ROLE … SET bytea_output = 'hex' (or RESET it); "
        + "default_transaction_isolation is serializable, where Omni's transactions are written for read committed: "
        + "ALTER ROLE … SET default_transaction_isolation = 'read committed' (or RESET it)");
    } finally {
      await sql.end();
      await alter('reset bytea_output', 'reset default_transaction_isolation');
    }
  });
});
