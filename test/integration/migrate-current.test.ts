import { readFile } from 'node:fs/promises';
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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0129 must be
    // the one undone here instead of 0128.
    expect(first.slice(-2)).toEqual(['0128.do.encryption-key-check.sql', '0129.do.products-made-simple.sql']);
    // 0129: the products made simple again, and write_stock_rows checking them (0113's before).
    const checksMadeSimple = async () => (await sql`select prosrc from pg_proc where proname = 'write_stock_rows'`)[0].prosrc.includes('products_made_simple');
    expect(await checksMadeSimple()).toBe(true);
    const file0113 = await readFile(new URL('../../migrations/0113.do.stock-by-primary-key.sql', import.meta.url), 'utf8');
    await sql.unsafe(file0113.slice(file0113.indexOf('create or replace function write_stock_rows')));
    await sql`drop table products_made_simple; drop function field_runs_seq_of(bigint[], bigint)`.simple();
    expect(await checksMadeSimple()).toBe(false);
    // 0128: the encryption key's check value, recorded by the first process with a key (none here).
    const checkTable = async () => (await sql`select to_regclass('encryption_key_check')::text as t`)[0].t as string | null;
    expect(await checkTable()).toBe('encryption_key_check');
    await sql`drop table encryption_key_check`;
    expect(await checkTable()).toBeNull();
    await sql`delete from schemaversion where version in (128, 129)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await checkTable()).toBe('encryption_key_check');
    expect(await sql`select * from encryption_key_check`).toHaveLength(0);
    expect(await checksMadeSimple()).toBe(true);
    expect(await sql`select * from products_made_simple`).toHaveLength(0);
  });
});
