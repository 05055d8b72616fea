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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0138 must be
    // the one undone here instead of 0137.
    expect(first.slice(-2)).toEqual(['0137.do.audit-times-stock-counts.sql', '0138.do.stock-targets-held.sql']);
    const sqlOf = (file: string) => readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8');
    const between = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)) + to.length);
    // 0137 and 0138: audit times at insert, stock audits counting targets; a stock chunk's live targets held.
    const state = async () => (await sql`
      select (select column_default from information_schema.columns where table_name = 'audit_events' and column_name = 'created_at') as audited_at,
        (select prosrc like '%v_products%' from pg_proc where proname = 'apply_stock_chunk') as counted,
        (select prosrc like '%for key share%' from pg_proc where proname = 'stock_dead_rows') as held`)[0];
    expect(await state()).toEqual({ audited_at: 'clock_timestamp()', counted: true, held: true });
    await sql.unsafe(`alter table audit_events alter column created_at set default now();
      ${between(sqlOf('0102.do.partner-audit-addresses.sql'), 'create or replace function apply_stock_chunk', 'end $$;')}
      ${between(sqlOf('0109.do.thin-statistics-functions.sql'), 'create or replace function stock_dead_rows', 'end $$;')}`);
    expect(await state()).toEqual({ audited_at: 'now()', counted: false, held: false });
    await sql`delete from schemaversion where version in (137, 138)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ audited_at: 'clock_timestamp()', counted: true, held: true });
  });
});
