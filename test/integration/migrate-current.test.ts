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

    // One behind: the last migration undone (0106 lets a product's own variants' SKUs no longer
    // make it a DUPLICATE_SKU: 0104's evaluate_quality put back) and unrecorded. A migration added
    // after 0106 must be the one undone here instead.
    expect(last).toBe('0106.do.own-variant-skus.sql');
    const ownVariantsSkipped = async () => {
      const [f] = await sql`select pg_get_functiondef('evaluate_quality(uuid, uuid[])'::regprocedure) as def`;
      return /lower\(o\.sku\) = lower\(v\.sku\) and o\.id <> p\.id/.test(f.def);
    };
    expect(await ownVariantsSkipped()).toBe(true);
    const previous = await readFile(new URL('../../migrations/0104.do.own-sku-lookup-once.sql', import.meta.url), 'utf8');
    await sql.unsafe(previous.slice(previous.indexOf('create or replace function evaluate_quality')));
    expect(await ownVariantsSkipped()).toBe(false);
    await sql`delete from schemaversion where version = 106`;
    expect(await migrate(sql, url)).toEqual([last]);
    expect(await ownVariantsSkipped()).toBe(true);
  });
});
