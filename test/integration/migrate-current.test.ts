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

    // One behind: the last migration undone (0114 sets a floor under the estimate of a store's
    // batches and bulk jobs: the columns' n_distinct reset) and unrecorded. A migration added after
    // 0114 must be the one undone here instead.
    expect(last).toBe('0114.do.batch-store-estimate-floor.sql');
    const floors = () => sql`select attrelid::regclass::text as t from pg_attribute
      where attrelid in ('batches'::regclass, 'bulk_jobs'::regclass) and attname = 'store_id'
        and 'n_distinct=-0.05' = any(attoptions) order by 1`;
    for (const t of ['batches', 'bulk_jobs']) await sql.unsafe(`alter table ${t} alter column store_id reset (n_distinct)`);
    await sql`delete from schemaversion where version = 114`;
    expect(await floors()).toEqual([]);
    expect(await migrate(sql, url)).toEqual([last]);
    // Whatever else the server keeps there (PostgreSQL 15 on this machine adds a pg_attver option).
    expect((await floors()).map((r) => r.t)).toEqual(['batches', 'bulk_jobs']);
  });
});
