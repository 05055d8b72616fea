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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0147 must be
    // the one undone here instead of 0146.
    expect(first.slice(-2)).toEqual(['0146.do.summary-head-start.sql', '0147.do.last-slow-at-backfill.sql']);
    const sqlOf = (file: string) => readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8');
    const between = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)) + to.length);
    // 0146 and 0147: summary deliveries early, an endpoint's last slow attempt (0147 fills it again).
    const state = async () => (await sql`
      select exists (select 1 from information_schema.columns where table_name = 'webhook_endpoints' and column_name = 'last_slow_at') as "lastSlow",
        (select prosrc like '%5 minutes%' from pg_proc where proname = 'webhook_fan_out') as early,
        (select prosrc like '%then 0 else -1 end%' from pg_proc where proname = 'webhook_fan_out') as prioritised`)[0];
    expect(await state()).toEqual({ lastSlow: true, early: true, prioritised: false });
    await sql.unsafe(`alter table webhook_endpoints drop column last_slow_at;
      ${between(sqlOf('0145.do.summary-events-first.sql'), 'create or replace function webhook_fan_out', 'end $$;')}`);
    expect(await state()).toEqual({ lastSlow: false, early: false, prioritised: true });
    await sql`delete from schemaversion where version in (146, 147)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ lastSlow: true, early: true, prioritised: false });
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
