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

    // One behind: the last migration undone (0102 keeps each batch's caller's address for its
    // audit events; the functions it replaces read the column, PL/pgSQL bodies do not depend on
    // it, and it replaces them again) and unrecorded. A migration added after 0102 must be the
    // one undone here instead.
    expect(last).toBe('0102.do.partner-audit-addresses.sql');
    await sql`alter table batches drop column ip_address`;
    await sql`delete from schemaversion where version = 102`;
    expect(await migrate(sql, url)).toEqual([last]);
    const [column] = await sql`select data_type, is_nullable from information_schema.columns where table_name = 'batches' and column_name = 'ip_address'`;
    expect(column).toEqual({ data_type: 'text', is_nullable: 'YES' });
  });
});
