import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// Every retention is `now() - make_interval(days => N)`, and PostgreSQL adds days to a timestamptz
// in the session's time zone: on a database set to a daylight-saving zone, a window across a change
// was an hour short or long, and rows were purged an hour early or kept an hour late (time QA).
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
beforeAll(async () => {
  db = await scratchDatabase('omni_time_zone');
  const owner = connect(db.url, 1);
  await owner.unsafe(`alter database ${db.name} set timezone = 'America/St_Johns'`);
  await owner.end();
  sql = connect(db.url, 1);
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe('the time zone of Omni\'s connections', () => {
  it('is UTC whatever the database says, so that N days are N × 24 hours', async () => {
    const [row] = await sql`select current_setting('TimeZone') as zone,
      (extract(epoch from timestamptz '2027-03-20 12:00Z' - (timestamptz '2027-03-20 12:00Z' - make_interval(days => 30))) / 3600)::int as hours`;
    expect(row).toEqual({ zone: 'UTC', hours: 720 });
  });
});
