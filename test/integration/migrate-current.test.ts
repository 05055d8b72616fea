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
  it('applies every migration to a new database, nothing to a current one, and the missing one to a database one behind', async () => {
    const first = await migrate(sql, url);
    expect(first[0]).toBe('0001.do.foundation.sql');
    const last = first[first.length - 1];
    expect(await migrate(sql, url)).toEqual([]);

    // One behind: the last migration undone (0113 restates write_stock_rows to find stock rows by
    // the entries' primary key: 0110's write_stock_rows put back) and unrecorded. A migration added
    // after 0113 must be the one undone here instead.
    expect(last).toBe('0113.do.stock-by-primary-key.sql');
    const migration = await readFile(new URL('../../migrations/0110.do.store-probes.sql', import.meta.url), 'utf8');
    await sql.unsafe(migration.match(/create or replace function write_stock_rows[\s\S]*?end \$\$;/)![0]);
    await sql`delete from schemaversion where version = 113`;
    const [before] = await sql`select pg_get_functiondef('write_stock_rows'::regproc) as def`;
    expect(before.def).toMatch(/where p\.store_id = p_store_id and p\.product_id = u\.p/);
    expect(await migrate(sql, url)).toEqual([last]);
    const [fn] = await sql`select pg_get_functiondef('write_stock_rows'::regproc) as def`;
    expect(fn.def).toMatch(/where p\.store_id = u\.store_id and p\.product_id = u\.p/);
  });
});
