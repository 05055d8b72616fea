import { readFileSync } from 'node:fs';
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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0139 must be
    // the one undone here instead of 0138.
    expect(first.slice(-2)).toEqual(['0138.do.stock-targets-held.sql', '0139.do.export-retention.sql']);
    const sqlOf = (file: string) => readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8');
    const between = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)) + to.length);
    // 0138 and 0139: a stock chunk's live targets held; when an export's files were deleted.
    const state = async () => (await sql`
      select (select prosrc like '%for key share%' from pg_proc where proname = 'stock_dead_rows') as held,
        to_regclass('catalog_exports_files_kept_idx') is not null as kept`)[0];
    expect(await state()).toEqual({ held: true, kept: true });
    await sql.unsafe(`alter table catalog_exports drop column files_deleted_at;
      ${between(sqlOf('0109.do.thin-statistics-functions.sql'), 'create or replace function stock_dead_rows', 'end $$;')}`);
    expect(await state()).toEqual({ held: false, kept: false });
    await sql`delete from schemaversion where version in (138, 139)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ held: true, kept: true });
  });
});
