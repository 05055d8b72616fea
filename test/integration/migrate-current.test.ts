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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0131 must be
    // the one undone here instead of 0130.
    expect(first.slice(-2)).toEqual(['0130.do.patch-stock-keeps-updated-at.sql', '0131.do.endpoint-paused.sql']);
    // 0131: an endpoint its partner paused (disabled_by 'paused'; 0105's constraint before).
    const allowsPaused = async () => (await sql`select pg_get_constraintdef(oid) as d from pg_constraint
      where conname = 'webhook_endpoints_disabled_by_check'`)[0].d.includes('paused');
    expect(await allowsPaused()).toBe(true);
    await sql`alter table webhook_endpoints drop constraint webhook_endpoints_disabled_by_check,
      add constraint webhook_endpoints_disabled_by_check check (disabled_by in ('partner', 'operator', 'system'))`;
    expect(await allowsPaused()).toBe(false);
    // 0130: a PATCH of stock alone keeps updated_at (0126's apply_product_patch_writes before).
    const keepsUpdatedAt = async () => (await sql`select prosrc from pg_proc where proname = 'apply_product_patch_writes'`)[0].prosrc.includes('else p.updated_at end');
    expect(await keepsUpdatedAt()).toBe(true);
    const file0126 = await readFile(new URL('../../migrations/0126.do.patch-field-runs.sql', import.meta.url), 'utf8');
    await sql.unsafe(file0126);
    expect(await keepsUpdatedAt()).toBe(false);
    await sql`delete from schemaversion where version in (130, 131)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await keepsUpdatedAt()).toBe(true);
    expect(await allowsPaused()).toBe(true);
  });
});
