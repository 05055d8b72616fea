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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0125 must be
    // the one undone here instead of 0124.
    expect(first.slice(-2)).toEqual(['0124.do.event-write-times.sql', '0125.do.field-acceptance-order.sql']);
    // 0124: events and deliveries are stamped when written; before, when their transaction began.
    const defaults = () => sql`select table_name, column_default from information_schema.columns
      where table_name in ('outbox_events', 'webhook_deliveries') and column_name = 'created_at' order by table_name`;
    await sql`alter table outbox_events alter column created_at set default now(); alter table webhook_deliveries alter column created_at set default now()`.simple();
    // 0125: products and variants record which write set each field last.
    await sql`alter table products drop column field_runs; alter table product_variants drop column field_runs;
      drop function product_field_mask(text[]); drop function field_runs_after(bigint[], bigint); drop function field_runs_written(bigint[], bigint, bigint)`.simple();
    await sql`delete from schemaversion where version in (124, 125)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect((await defaults()).map((d) => [d.table_name, d.column_default])).toEqual([['outbox_events', 'clock_timestamp()'], ['webhook_deliveries', 'clock_timestamp()']]);
    const [{ runs }] = await sql`select field_runs_written('{10,48}', 20, product_field_mask('{price}')) as runs`;
    expect(runs.map(Number)).toEqual([10, 32, 20, 16]);
  });
});
