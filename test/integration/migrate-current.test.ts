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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0122 must be
    // the one undone here instead of 0121.
    expect(first.slice(-2)).toEqual(['0121.do.delivery-redeliveries.sql', '0122.do.patch-stock-sequence.sql']);
    // 0121 counts a delivery's redeliveries.
    await sql`alter table webhook_deliveries drop column redeliveries`;
    const [{ id: partnerId }] = await sql`insert into partners (client_id, name, secret_ciphertext) values ('p', 'p', 'x') returning id`;
    await sql`insert into webhook_endpoints (partner_id, id, url, secret_ciphertext, event_types) values
      (${partnerId}, 'we_graced', 'https://a.example', 'new', '{}'), (${partnerId}, 'we_over', 'https://b.example', 'new', '{}')`;
    // A delivery made before 0121 (the fan-out trigger writes it, with its job).
    await sql`insert into outbox_events (partner_id, type, payload) values (${partnerId}, 'product.updated', '{}')`;
    // 0122: a PATCH's stock writes carry an acceptance sequence; before, apply_product_patch_writes wrote none.
    const patchWrites = () => sql`select prosrc from pg_proc where proname = 'apply_product_patch_writes'`;
    const [current] = await patchWrites();
    await sql.unsafe(`create or replace function apply_product_patch_writes(p_store_id uuid, p_id uuid, p_version integer, p_set jsonb,
      p_stock integer, p_warehouse_rows jsonb, p_audit jsonb, p_event jsonb, p_evaluate boolean, p_stock_read jsonb)
      returns integer language plpgsql as $$ begin return null; end $$`);
    await sql`delete from schemaversion where version in (121, 122)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    const [migrated] = await patchWrites();
    expect(migrated.prosrc).toBe(current.prosrc);
    expect(migrated.prosrc).toMatch(/stock_seq = nextval\('batch_accept_seq'\) \* 10000/);
    const deliveries = await sql`select endpoint_id, redeliveries from webhook_deliveries order by endpoint_id`;
    expect(deliveries.map((r) => ({ ...r }))).toEqual([{ endpoint_id: 'we_graced', redeliveries: 0 }, { endpoint_id: 'we_over', redeliveries: 0 }]);
  });
});
