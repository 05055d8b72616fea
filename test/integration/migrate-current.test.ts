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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0121 must be
    // the one undone here instead of 0120.
    expect(first.slice(-2)).toEqual(['0120.do.previous-secrets.sql', '0121.do.delivery-redeliveries.sql']);
    // 0120 keeps every rolled secret in previous_secrets: 0095's one previous secret restored.
    await sql`alter table webhook_endpoints drop column previous_secrets,
      add column previous_secret_ciphertext text, add column previous_secret_expires_at timestamptz`;
    // 0121 counts a delivery's redeliveries.
    await sql`alter table webhook_deliveries drop column redeliveries`;
    const [{ id: partnerId }] = await sql`insert into partners (client_id, name, secret_ciphertext) values ('p', 'p', 'x') returning id`;
    // An endpoint whose previous secret still signs, one whose grace is over: only the first keeps it.
    await sql`insert into webhook_endpoints (partner_id, id, url, secret_ciphertext, event_types, previous_secret_ciphertext, previous_secret_expires_at) values
      (${partnerId}, 'we_graced', 'https://a.example', 'new', '{}', 'old', now() + interval '1 hour'),
      (${partnerId}, 'we_over', 'https://b.example', 'new', '{}', 'old', now() - interval '1 hour')`;
    // A delivery made before 0121 (the fan-out trigger writes it, with its job).
    await sql`insert into outbox_events (partner_id, type, payload) values (${partnerId}, 'product.updated', '{}')`;
    await sql`delete from schemaversion where version in (120, 121)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    const secrets = await sql`select id, jsonb_array_length(previous_secrets) as n, previous_secrets->0->>'ciphertext' as kept from webhook_endpoints order by id`;
    expect(secrets.map((r) => ({ ...r }))).toEqual([{ id: 'we_graced', n: 1, kept: 'old' }, { id: 'we_over', n: 0, kept: null }]);
    const deliveries = await sql`select endpoint_id, redeliveries from webhook_deliveries order by endpoint_id`;
    expect(deliveries.map((r) => ({ ...r }))).toEqual([{ endpoint_id: 'we_graced', redeliveries: 0 }, { endpoint_id: 'we_over', redeliveries: 0 }]);
  });
});
