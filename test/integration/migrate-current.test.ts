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

    // One behind: the last migration undone (0105 lets Omni disable an endpoint itself:
    // disabled_by 'system', its reason, when, and the failing streak; 0098's check put back) and
    // unrecorded. A migration added after 0105 must be the one undone here instead.
    expect(last).toBe('0105.do.endpoint-disabled-by-system.sql');
    await sql`alter table webhook_endpoints drop column disabled_reason, drop column disabled_at, drop column failing_since,
      drop constraint webhook_endpoints_disabled_by_check, add constraint webhook_endpoints_disabled_by_check check (disabled_by in ('partner', 'operator'))`;
    await sql`delete from schemaversion where version = 105`;
    expect(await migrate(sql, url)).toEqual([last]);
    const columns = await sql`select column_name from information_schema.columns
      where table_name = 'webhook_endpoints' and column_name in ('disabled_reason', 'disabled_at', 'failing_since') order by column_name`;
    expect(columns.map((c) => c.column_name)).toEqual(['disabled_at', 'disabled_reason', 'failing_since']);
    const [check] = await sql`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'webhook_endpoints_disabled_by_check'`;
    expect(check.def).toContain("'system'");
  });
});
