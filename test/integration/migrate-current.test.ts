import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { databaseUrlFor } from '../helpers/database-url.js';

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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0143 must be
    // the one undone here instead of 0142.
    expect(first.slice(-2)).toEqual(['0142.do.stock-targets-looked-up-after.sql', '0143.do.resolved-issue-retention.sql']);
    const sqlOf = (file: string) => readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8');
    const between = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)) + to.length);
    // 0142 and 0143: a stock chunk's targets looked up after its write, not locked; resolved issues by their resolution.
    const state = async () => (await sql`
      select (select prosrc like '%v_late_rows%' from pg_proc where proname = 'apply_stock_chunk') as after,
        (select prosrc like '%for key share%' from pg_proc where proname = 'stock_dead_rows') as locked,
        to_regclass('validation_issues_resolved_idx') is not null as resolved`)[0];
    expect(await state()).toEqual({ after: true, locked: false, resolved: true });
    await sql.unsafe(`drop index validation_issues_resolved_idx;
      ${between(sqlOf('0137.do.audit-times-stock-counts.sql'), 'create or replace function apply_stock_chunk', 'end $$;')}
      ${between(sqlOf('0138.do.stock-targets-held.sql'), 'create or replace function stock_dead_rows', 'end $$;')}`);
    expect(await state()).toEqual({ after: false, locked: true, resolved: false });
    await sql`delete from schemaversion where version in (142, 143)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ after: true, locked: false, resolved: true });
  });

  it('refuses a database that does not store UTF-8, before it writes anything (0136 failed half-way on LATIN1)', async () => {
    const admin = connect(inject('adminUrl'), 1);
    const name = `omni_latin1_${Date.now()}`;
    await admin.unsafe(`create database ${name} encoding 'LATIN1' template template0 lc_collate 'C' lc_ctype 'C'`);
    const latin1 = connect(databaseUrlFor(inject('adminUrl'), name), 1);
    try {
      await expect(migrate(latin1, databaseUrlFor(inject('adminUrl'), name))).rejects.toThrow(/the database's encoding is LATIN1: Omni needs UTF8/);
      expect((await latin1`select to_regclass('schemaversion') is null as untouched`)[0].untouched).toBe(true);
    } finally {
      await latin1.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
