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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0126 must be
    // the one undone here instead of 0125.
    expect(first.slice(-2)).toEqual(['0125.do.field-acceptance-order.sql', '0126.do.patch-field-runs.sql']);
    // 0126: a PATCH records the fields it set; 0122's function did not.
    const patchWrites = async () => (await sql`select prosrc from pg_proc where proname = 'apply_product_patch_writes'`)[0].prosrc as string;
    const current = await patchWrites();
    await sql.unsafe(await readFile(new URL('../../migrations/0122.do.patch-stock-sequence.sql', import.meta.url), 'utf8'));
    expect(await patchWrites()).not.toContain('field_runs');
    // 0125: products and variants record which write set each field last.
    await sql`alter table products drop column field_runs; alter table product_variants drop column field_runs;
      drop function product_field_mask(text[]); drop function field_runs_after(bigint[], bigint); drop function field_runs_written(bigint[], bigint, bigint)`.simple();
    await sql`delete from schemaversion where version in (125, 126)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await patchWrites()).toBe(current);
    expect(current).toContain('field_runs = case');
    const [{ runs }] = await sql`select field_runs_written('{10,48}', 20, product_field_mask('{price}')) as runs`;
    expect(runs.map(Number)).toEqual([10, 32, 20, 16]);
  });
});
