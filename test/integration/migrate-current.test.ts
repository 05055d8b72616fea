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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0124 must be
    // the one undone here instead of 0123.
    expect(first.slice(-2)).toEqual(['0123.do.duplicate-sku-recheck.sql', '0124.do.event-write-times.sql']);
    // 0124: events and deliveries are stamped when written; before, when their transaction began.
    const defaults = () => sql`select table_name, column_default from information_schema.columns
      where table_name in ('outbox_events', 'webhook_deliveries') and column_name = 'created_at' order by table_name`;
    await sql`alter table outbox_events alter column created_at set default now(); alter table webhook_deliveries alter column created_at set default now()`.simple();
    // 0123's triggers and functions dropped, and 0118's evaluate_quality back (0123 restates it whole).
    await sql`drop trigger products_skus_inserted_recheck on products; drop trigger product_variants_skus_inserted_recheck on product_variants;
      drop trigger products_skus_deleted_recheck on products; drop trigger product_variants_skus_deleted_recheck on product_variants;
      drop trigger products_sku_moved_recheck on products; drop trigger product_variants_sku_moved_recheck on product_variants;
      drop function skus_written_record_recheck(); drop function sku_moved_record_recheck();
      drop function recheck_duplicate_skus(uuid, text[], uuid[]); drop function duplicate_sku_recheck_lock_space();
      drop function queue_duplicate_sku_recheck(uuid); drop function take_duplicate_sku_rechecks(text, uuid);
      drop function record_duplicate_sku_recheck(text, uuid, text[])`.simple();
    await sql.unsafe(await readFile(new URL('../../migrations/0118.do.duplicate-sku-every-holder.sql', import.meta.url), 'utf8'));
    await sql`delete from schemaversion where version in (123, 124)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect((await defaults()).map((d) => [d.table_name, d.column_default])).toEqual([['outbox_events', 'clock_timestamp()'], ['webhook_deliveries', 'clock_timestamp()']]);
    const [{ triggers }] = await sql`select count(*)::int as triggers from pg_trigger where tgname like '%\_recheck'`;
    expect(triggers).toBe(6);
    const [{ queues }] = await sql`select pg_get_functiondef('evaluate_quality(uuid, uuid[], boolean)'::regprocedure) like '%queue_duplicate_sku_recheck%' as queues`;
    expect(queues).toBe(true);
  });
});
