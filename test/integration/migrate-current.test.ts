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

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0135 must be
    // the one undone here instead of 0134.
    expect(first.slice(-2)).toEqual(['0134.do.sign-in-tries-by-session-batch-outcomes.sql', '0135.do.export-storage-bucket.sql']);
    // 0134 and 0135: the sign-in tries' session column, the fan-out that lets a batch's outcome
    // through to an unbound partner (0133's before), and an export's bucket.
    const columns = async () => (await sql`
      select count(*)::int as n from information_schema.columns
      where (table_name, column_name) in (('seller_sign_in_attempts', 'session_id'), ('catalog_exports', 'storage_bucket'))`)[0].n as number;
    const fanOut = async () => (await sql`select prosrc from pg_proc where proname = 'webhook_fan_out'`)[0].prosrc as string;
    expect([await columns(), await fanOut()]).toEqual([2, expect.stringContaining("n.payload ? 'batchId'")]);
    const m0133 = readFileSync(new URL('../../migrations/0133.do.unbound-stores-quiet-sign-in-attempts.sql', import.meta.url), 'utf8');
    const fanOut0133 = m0133.slice(m0133.indexOf('create or replace function webhook_fan_out'), m0133.indexOf('end $$;') + 'end $$;'.length);
    await sql.unsafe(`drop index seller_sign_in_attempts_session_idx; alter table seller_sign_in_attempts drop column session_id;
      alter table catalog_exports drop column storage_bucket; ${fanOut0133}`);
    expect([await columns(), await fanOut()]).toEqual([0, expect.not.stringContaining("n.payload ? 'batchId'")]);
    await sql`delete from schemaversion where version in (134, 135)`;

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect([await columns(), await fanOut()]).toEqual([2, expect.stringContaining("n.payload ? 'batchId'")]);
  });
});
