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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0117 must be
    // the one undone here instead of 0116.
    // 0117 restates warehouse_stock_sync with a branch for new variants' rows: 0075's function restored.
    expect(first.slice(-2)).toEqual(['0116.do.lower-sku-default-estimate.sql', '0117.do.new-variant-stock.sql']);
    const restated = () => sql`select count(*)::int as n from pg_proc
      where proname = 'warehouse_stock_sync' and prosrc like '%omni.variant_stock_written%'`.then(([r]) => r.n);
    const before = readFileSync(new URL('../../migrations/0075.do.product-stock.sql', import.meta.url), 'utf8');
    await sql.unsafe(before.slice(before.indexOf('create or replace function warehouse_stock_sync()'), before.indexOf('create or replace function apply_product_patch(')));
    // 0116 rebuilds the lower(sku) indexes without statistics on their expression: the statistics
    // target back to its default, and statistics taken.
    const indexes = ['products_store_lower_sku_idx', 'product_variants_store_lower_sku_idx'];
    const withoutStatistics = () => sql`select a.attrelid::regclass::text as i from pg_attribute a
      where a.attrelid::regclass::text in ${sql(indexes)} and a.attnum = 2 and a.attstattarget = 0
        and not exists (select 1 from pg_stats s where s.tablename = a.attrelid::regclass::text) order by 1`;
    for (const i of indexes) await sql.unsafe(`alter index ${i} alter column 2 set statistics -1`);
    await sql`with pa as (insert into partners (client_id, name, secret_ciphertext) values ('p', 'p', 'x') returning id),
      st as (insert into stores (partner_id, client_id, name) select id, 's', 's' from pa returning id),
      p as (insert into products (store_id, external_id, sku, name, price) select st.id, 'e' || g, 'S' || g, 'n', 10
        from st, generate_series(1, 10) g returning store_id, id, sku)
      insert into product_variants (store_id, product_id, external_id, sku, options) select store_id, id, sku, 'V' || sku, '{}' from p`;
    await sql`analyze products, product_variants`;
    const statistics = () => sql`select tablename from pg_stats where tablename in ${sql(indexes)} order by 1`;
    expect((await statistics()).map((r) => r.tablename)).toEqual(['product_variants_store_lower_sku_idx', 'products_store_lower_sku_idx']);
    await sql`delete from schemaversion where version in (116, 117)`;
    expect(await restated()).toBe(0);
    expect(await withoutStatistics()).toEqual([]);

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await restated()).toBe(1);
    // Rebuilt: the statistics taken are gone, and ANALYZE takes none.
    await sql`analyze products, product_variants`;
    expect((await withoutStatistics()).map((r) => r.i)).toEqual(['product_variants_store_lower_sku_idx', 'products_store_lower_sku_idx']);
  });
});
