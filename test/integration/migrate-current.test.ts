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
  it('applies every migration to a new database, nothing to a current one, and the missing ones to a database two behind', async () => {
    const first = await migrate(sql, url);
    expect(first[0]).toBe('0001.do.foundation.sql');
    expect(await migrate(sql, url)).toEqual([]);

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0140 must be
    // the one undone here instead of 0139.
    expect(first.slice(-2)).toEqual(['0139.do.export-retention.sql', '0140.do.onboarding-session-retention.sql']);
    // 0139 and 0140: when an export's files were deleted; the onboarding sessions' indexes.
    const state = async () => (await sql`
      select to_regclass('catalog_exports_files_kept_idx') is not null as kept,
        to_regclass('onboard_sessions_authorized_store_idx') is not null and to_regclass('onboard_sessions_unclaimed_expiry_idx') is not null as sessions`)[0];
    expect(await state()).toEqual({ kept: true, sessions: true });
    await sql.unsafe(`alter table catalog_exports drop column files_deleted_at;
      drop index onboard_sessions_authorized_store_idx; drop index onboard_sessions_unclaimed_expiry_idx;`);
    expect(await state()).toEqual({ kept: false, sessions: false });
    await sql`delete from schemaversion where version in (139, 140)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ kept: true, sessions: true });
  });
});
