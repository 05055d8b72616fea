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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0141 must be
    // the one undone here instead of 0140.
    expect(first.slice(-2)).toEqual(['0140.do.onboarding-session-retention.sql', '0141.do.webhook-log-retention.sql']);
    // 0140 and 0141: the onboarding sessions' indexes; the webhook log's.
    const indexes = ['onboard_sessions_authorized_store_idx', 'onboard_sessions_unclaimed_expiry_idx',
      'webhook_deliveries_event_idx', 'outbox_events_created_idx', 'webhook_deliveries_finished_idx'];
    const present = async () => (await sql`select count(*)::int as n from pg_class where relname in ${sql(indexes)}`)[0].n as number;
    expect(await present()).toBe(5);
    await sql.unsafe(indexes.map((i) => `drop index ${i};`).join(' '));
    expect(await present()).toBe(0);
    await sql`delete from schemaversion where version in (140, 141)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await present()).toBe(5);
  });
});
