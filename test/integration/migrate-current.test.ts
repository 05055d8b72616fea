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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0136 must be
    // the one undone here instead of 0135.
    expect(first.slice(-2)).toEqual(['0135.do.export-storage-bucket.sql', '0136.do.blank-descriptions.sql']);
    const sqlOf = (file: string) => readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8');
    const between = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)) + to.length);
    // 0135 and 0136: an export's bucket; whitespace descriptions told as none (visible_text).
    const state = async () => (await sql`
      select (select count(*)::int from information_schema.columns where table_name = 'catalog_exports' and column_name = 'storage_bucket') as bucket,
        to_regproc('visible_text') is not null as visible`)[0];
    expect(await state()).toEqual({ bucket: 1, visible: true });
    await sql.unsafe(`alter table catalog_exports drop column storage_bucket;
      ${between(sqlOf('0119.do.sku-in-quality-score.sql'), 'create or replace function product_quality_score', '$$;')}
      ${between(sqlOf('0123.do.duplicate-sku-recheck.sql'), 'create or replace function evaluate_quality', 'end $$;')}
      drop function visible_text(text);`);
    expect(await state()).toEqual({ bucket: 0, visible: false });
    await sql`delete from schemaversion where version in (135, 136)`;
    // A product with a description of tabs, evaluated before 0136: no issue of a missing description.
    const [partner] = await sql`insert into partners (client_id, name, secret_ciphertext) values ('ptnr_m', 'P', 'x') returning id`;
    const [store] = await sql`insert into stores (partner_id, client_id, name) values (${partner.id}, 'str_m', 'S') returning id`;
    const [product] = await sql`insert into products (store_id, name, sku, price, description) values (${store.id}, 'Tabs', 'TABS', 1, ${'\t\n'}) returning id`;
    await sql`select evaluate_quality(${store.id}::uuid, array[${product.id}::uuid])`;
    const missing = async () => (await sql`select count(*)::int as n from validation_issues where product_id = ${product.id} and code = 'MISSING_DESCRIPTION' and not resolved`)[0].n;
    expect(await missing()).toBe(0);

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ bucket: 1, visible: true });
    // 0136 evaluated it again.
    expect(await missing()).toBe(1);
  });
});
