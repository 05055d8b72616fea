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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0134 must be
    // the one undone here instead of 0133.
    expect(first.slice(-2)).toEqual(['0133.do.unbound-stores-quiet-sign-in-attempts.sql', '0134.do.sign-in-tries-by-session-batch-outcomes.sql']);
    // 0133 and 0134: the sign-in tries' table (with its session since 0134), and the fan-out that skips a
    // store not bound to the partner but for a batch's outcome (0094's before).
    const hasTries = async () => (await sql`select to_regclass('seller_sign_in_attempts') is not null as t`)[0].t as boolean;
    const fanOut = async () => (await sql`select prosrc from pg_proc where proname = 'webhook_fan_out'`)[0].prosrc as string;
    expect([await hasTries(), await fanOut()]).toEqual([true, expect.stringContaining("n.payload ? 'batchId'")]);
    await sql.unsafe(`drop table seller_sign_in_attempts; ${readFileSync(new URL('../../migrations/0094.do.webhook-test-events.sql', import.meta.url), 'utf8')}`);
    expect([await hasTries(), await fanOut()]).toEqual([false, expect.not.stringContaining('store_tokens')]);
    await sql`delete from schemaversion where version in (133, 134)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect([await hasTries(), await fanOut()]).toEqual([true, expect.stringContaining("n.payload ? 'batchId'")]);
  });
});
