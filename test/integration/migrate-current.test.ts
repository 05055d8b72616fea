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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0133 must be
    // the one undone here instead of 0132.
    expect(first.slice(-2)).toEqual(['0132.do.superseded-sessions-list-keys.sql', '0133.do.unbound-stores-quiet-sign-in-attempts.sql']);
    // 0133: the sign-in tries' table, and the fan-out that skips a store not bound to the partner (0094's before).
    const hasTries = async () => (await sql`select to_regclass('seller_sign_in_attempts') is not null as t`)[0].t as boolean;
    const fanOutChecksBinding = async () => (await sql`select prosrc from pg_proc where proname = 'webhook_fan_out'`)[0].prosrc.includes('store_tokens');
    expect([await hasTries(), await fanOutChecksBinding()]).toEqual([true, true]);
    await sql.unsafe(`drop table seller_sign_in_attempts; ${readFileSync(new URL('../../migrations/0094.do.webhook-test-events.sql', import.meta.url), 'utf8')}`);
    expect([await hasTries(), await fanOutChecksBinding()]).toEqual([false, false]);
    // 0132: SUPERSEDED sessions (0099's constraint before) and the lists' indexes with their ids.
    const allowsSuperseded = async () => (await sql`select pg_get_constraintdef(oid) as d from pg_constraint
      where conname = 'onboard_sessions_status_check'`)[0].d.includes('SUPERSEDED');
    const issuesIndex = async () => (await sql`select pg_get_indexdef('validation_issues_recent_idx'::regclass) as d`)[0].d as string;
    expect([await allowsSuperseded(), await issuesIndex()]).toEqual([true, expect.stringContaining('(store_id, created_at DESC, id DESC)')]);
    await sql`alter table onboard_sessions drop constraint onboard_sessions_status_check, add constraint onboard_sessions_status_check
      check (status in ('OPEN', 'SIGNED_IN', 'AUTHORIZED', 'CANCELLED', 'CLAIMED', 'UNBOUND'))`;
    await sql.unsafe(`drop index validation_issues_recent_idx; create index validation_issues_recent_idx on validation_issues (store_id, created_at desc) where not resolved;
      drop index bulk_jobs_recent_idx; create index bulk_jobs_recent_idx on bulk_jobs (store_id, job_type, created_at desc);
      drop index webhook_deliveries_recent_idx; create index webhook_deliveries_recent_idx on webhook_deliveries (partner_id, created_at desc)`);
    expect([await allowsSuperseded(), await issuesIndex()]).toEqual([false, expect.not.stringContaining('id DESC')]);
    await sql`delete from schemaversion where version in (132, 133)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect([await hasTries(), await fanOutChecksBinding(), await allowsSuperseded(), await issuesIndex()]).toEqual([true, true, true, expect.stringContaining('id DESC')]);
  });
});
