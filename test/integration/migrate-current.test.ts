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

    // One behind: the last migration undone (0109 restates four functions to look keys up one by
    // one on a marketplace's statistics: 0100's reevaluate_duplicate_sku_holders put back) and
    // unrecorded. A migration added after 0109 must be the one undone here instead.
    expect(last).toBe('0109.do.thin-statistics-functions.sql');
    const migration = await readFile(new URL('../../migrations/0100.do.variant-quality-rules.sql', import.meta.url), 'utf8');
    await sql.unsafe(migration.match(/create or replace function reevaluate_duplicate_sku_holders[\s\S]*?end \$\$;/)![0]);
    await sql`delete from schemaversion where version = 109`;
    expect(await migrate(sql, url)).toEqual([last]);
    const [fn] = await sql`select pg_get_functiondef('reevaluate_duplicate_sku_holders'::regproc) as def`;
    expect(fn.def).toMatch(/not vi\.resolved limit 1\) as open/);
  });
});
