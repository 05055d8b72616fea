import { readFileSync } from 'node:fs';
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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0118 must be
    // the one undone here instead of 0117.
    expect(first.slice(-2)).toEqual(['0117.do.new-variant-stock.sql', '0118.do.duplicate-sku-every-holder.sql']);
    const restated = (fn: string, mark: string) => sql`select count(*)::int as n from pg_proc
      where proname = ${fn} and prosrc like ${`%${mark}%`}`.then(([r]) => r.n);
    const file = (name: string) => readFileSync(new URL(`../../migrations/${name}`, import.meta.url), 'utf8');
    // 0117 restates warehouse_stock_sync with a branch for new variants' rows: 0075's function restored.
    const before0117 = file('0075.do.product-stock.sql');
    await sql.unsafe(before0117.slice(before0117.indexOf('create or replace function warehouse_stock_sync()'), before0117.indexOf('create or replace function apply_product_patch(')));
    // 0118 restates evaluate_quality with a step for the other holders of a duplicate SKU: 0112's restored.
    const before0118 = file('0112.do.resolve-by-primary-key.sql');
    await sql.unsafe(before0118.slice(before0118.indexOf('create or replace function evaluate_quality(')));
    await sql`delete from schemaversion where version in (117, 118)`;
    expect(await restated('warehouse_stock_sync', 'omni.variant_stock_written')).toBe(0);
    expect(await restated('evaluate_quality', 'v_duplicates')).toBe(0);

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await restated('warehouse_stock_sync', 'omni.variant_stock_written')).toBe(1);
    expect(await restated('evaluate_quality', 'v_duplicates')).toBe(1);
  });
});
