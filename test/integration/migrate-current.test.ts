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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0132 must be
    // the one undone here instead of 0131.
    expect(first.slice(-2)).toEqual(['0131.do.endpoint-paused.sql', '0132.do.superseded-sessions-list-keys.sql']);
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
    // 0131: an endpoint its partner paused (disabled_by 'paused'; 0105's constraint before).
    const allowsPaused = async () => (await sql`select pg_get_constraintdef(oid) as d from pg_constraint
      where conname = 'webhook_endpoints_disabled_by_check'`)[0].d.includes('paused');
    expect(await allowsPaused()).toBe(true);
    await sql`alter table webhook_endpoints drop constraint webhook_endpoints_disabled_by_check,
      add constraint webhook_endpoints_disabled_by_check check (disabled_by in ('partner', 'operator', 'system'))`;
    expect(await allowsPaused()).toBe(false);
    await sql`delete from schemaversion where version in (131, 132)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect([await allowsPaused(), await allowsSuperseded(), await issuesIndex()]).toEqual([true, true, expect.stringContaining('id DESC')]);
  });
});
