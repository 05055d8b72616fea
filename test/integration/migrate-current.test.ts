import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A database of its own, migrated here from nothing.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let url: string;
beforeAll(async () => {
  db = await scratchDatabase('omni_migrate', { migrated: false });
  url = db.url;
  sql = connect(url, 2);
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe('migrate', () => {
  it('applies every migration to a new database, nothing to a current one, and the missing one to a database one behind', async () => {
    const first = await migrate(sql, url);
    expect(first[0]).toBe('0001.do.foundation.sql');
    const last = first[first.length - 1];
    expect(await migrate(sql, url)).toEqual([]);

    // One behind: the last migration undone (0099 lets onboarding sessions be UNBOUND) and
    // unrecorded. A migration added after 0099 must be the one undone here instead.
    expect(last).toBe('0099.do.unbound-sessions.sql');
    await sql.unsafe(`alter table onboard_sessions drop constraint onboard_sessions_status_check;
      alter table onboard_sessions add constraint onboard_sessions_status_check check (status in ('OPEN', 'SIGNED_IN', 'AUTHORIZED', 'CANCELLED', 'CLAIMED'))`);
    await sql`delete from schemaversion where version = 99`;
    expect(await migrate(sql, url)).toEqual([last]);
    const [check] = await sql`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'onboard_sessions_status_check'`;
    expect(check.def).toContain('UNBOUND');
  });
});
