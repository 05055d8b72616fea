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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0128 must be
    // the one undone here instead of 0127.
    expect(first.slice(-2)).toEqual(['0127.do.variant-field-order.sql', '0128.do.encryption-key-check.sql']);
    // 0128: the encryption key's check value, recorded by the first process with a key (none here).
    const checkTable = async () => (await sql`select to_regclass('encryption_key_check')::text as t`)[0].t as string | null;
    expect(await checkTable()).toBe('encryption_key_check');
    await sql`drop table encryption_key_check`;
    // 0127: two more bits (a variant's options, a product's variant set) and field_runs_writes.
    const mask = async () => Number((await sql`select product_field_mask('{options,variant_set,height}') as m`)[0].m);
    const masks = await mask();
    const file0125 = await readFile(new URL('../../migrations/0125.do.field-acceptance-order.sql', import.meta.url), 'utf8');
    const mask0125 = file0125.slice(file0125.indexOf('create function product_field_mask'), file0125.indexOf('$$;', file0125.indexOf('create function product_field_mask')) + 3);
    await sql.unsafe(`drop function field_runs_writes(bigint[], bigint[]); ${mask0125.replace('create function', 'create or replace function')}`);
    expect(await mask()).toBe(2 ** 25);
    expect(await checkTable()).toBeNull();
    await sql`delete from schemaversion where version in (127, 128)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await checkTable()).toBe('encryption_key_check');
    expect(await sql`select * from encryption_key_check`).toHaveLength(0);
    expect(await mask()).toBe(masks);
    expect(masks).toBe(2 ** 25 + 2 ** 26 + 2 ** 27);
    const [{ writes }] = await sql`select field_runs_writes('{30,16,10,48}', '{20,56}') as writes`;
    expect(Number(writes)).toBe(40);
  });
});
