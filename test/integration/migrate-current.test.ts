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

    // One behind: the last migration undone (0115 takes every SKU and externalId as distinct: the
    // key columns' n_distinct reset) and unrecorded. A migration added after 0115 must be the one
    // undone here instead.
    expect(last).toBe('0115.do.key-estimate.sql');
    const overrides = () => sql`select attrelid::regclass::text || '.' || attname as c from pg_attribute
      where attrelid in ('products'::regclass, 'product_variants'::regclass) and attname in ('sku', 'external_id')
        and 'n_distinct=-1' = any(attoptions) order by 1`;
    for (const t of ['products', 'product_variants']) {
      await sql.unsafe(`alter table ${t} alter column sku reset (n_distinct), alter column external_id reset (n_distinct)`);
    }
    await sql`delete from schemaversion where version = 115`;
    expect(await overrides()).toEqual([]);
    expect(await migrate(sql, url)).toEqual([last]);
    // Whatever else the server keeps there (PostgreSQL 15 on this machine adds a pg_attver option).
    expect((await overrides()).map((r) => r.c)).toEqual(['product_variants.external_id', 'product_variants.sku', 'products.external_id', 'products.sku']);
  });
});
