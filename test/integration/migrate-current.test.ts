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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0137 must be
    // the one undone here instead of 0136.
    expect(first.slice(-2)).toEqual(['0136.do.blank-descriptions.sql', '0137.do.audit-times-stock-counts.sql']);
    const sqlOf = (file: string) => readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8');
    const between = (text: string, from: string, to: string) => text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)) + to.length);
    // 0136 and 0137: whitespace descriptions told as none (visible_text); audit times at insert, stock audits counting targets.
    const state = async () => (await sql`
      select to_regproc('visible_text') is not null as visible,
        (select column_default from information_schema.columns where table_name = 'audit_events' and column_name = 'created_at') as audited_at,
        (select prosrc like '%v_products%' from pg_proc where proname = 'apply_stock_chunk') as counted`)[0];
    expect(await state()).toEqual({ visible: true, audited_at: 'clock_timestamp()', counted: true });
    await sql.unsafe(`alter table audit_events alter column created_at set default now();
      ${between(sqlOf('0102.do.partner-audit-addresses.sql'), 'create or replace function apply_stock_chunk', 'end $$;')}
      ${between(sqlOf('0119.do.sku-in-quality-score.sql'), 'create or replace function product_quality_score', '$$;')}
      ${between(sqlOf('0123.do.duplicate-sku-recheck.sql'), 'create or replace function evaluate_quality', 'end $$;')}
      drop function visible_text(text);`);
    expect(await state()).toEqual({ visible: false, audited_at: 'now()', counted: false });
    await sql`delete from schemaversion where version in (136, 137)`;
    // A product with a description of tabs, evaluated before 0136: no issue of a missing description.
    const [partner] = await sql`insert into partners (client_id, name, secret_ciphertext) values ('ptnr_m', 'P', 'x') returning id`;
    const [store] = await sql`insert into stores (partner_id, client_id, name) values (${partner.id}, 'str_m', 'S') returning id`;
    const [product] = await sql`insert into products (store_id, name, sku, price, description) values (${store.id}, 'Tabs', 'TABS', 1, ${'\t\n'}) returning id`;
    await sql`select evaluate_quality(${store.id}::uuid, array[${product.id}::uuid])`;
    const missing = async () => (await sql`select count(*)::int as n from validation_issues where product_id = ${product.id} and code = 'MISSING_DESCRIPTION' and not resolved`)[0].n;
    expect(await missing()).toBe(0);

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await state()).toEqual({ visible: true, audited_at: 'clock_timestamp()', counted: true });
    // 0136 evaluated it again.
    expect(await missing()).toBe(1);
  });
});
