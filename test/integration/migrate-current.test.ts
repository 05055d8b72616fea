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

    // One behind: the last migration undone (0107 records when an endpoint was last enabled:
    // enabled_at) and unrecorded. A migration added after 0107 must be the one undone here instead.
    expect(last).toBe('0107.do.endpoint-enabled-at.sql');
    await sql`alter table webhook_endpoints drop column enabled_at`;
    await sql`delete from schemaversion where version = 107`;
    expect(await migrate(sql, url)).toEqual([last]);
    const [column] = await sql`select is_nullable, column_default from information_schema.columns
      where table_name = 'webhook_endpoints' and column_name = 'enabled_at'`;
    expect(column).toEqual({ is_nullable: 'NO', column_default: 'now()' });
  });
});
