import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEncryptionKey, EncryptionKeyMismatch, keyCheckValue } from '../../src/auth/encryption-key-check.js';
import { connect, type Sql } from '../../src/db/database.js';
import { createPartner } from '../../src/partners/partners.js';
import { omniEnv, omniJson, omniWithEnv } from '../helpers/cli.js';
import { spawnOmni } from '../helpers/own-database.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { TEST_KEY_B64 } from '../helpers/test-app.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

// A process given another encryption key than the database's (another OMNI_ENCRYPTION_KEY, or none
// and a key generated into its own data folder) stops before it does anything: a CLI command used
// to seal a new partner's secret under it, and every request of that partner was SYS_001.
const OTHER_KEY_B64 = randomBytes(32).toString('base64');
const key = (b64: string) => Buffer.from(b64, 'base64');

let sql: Sql;
let folder: string;
beforeAll(async () => {
  sql = connect(testDatabaseUrl(), 2);
  folder = await mkdtemp(join(tmpdir(), 'omni-key-check-'));
});
afterAll(async () => {
  await sql.end();
  await rm(folder, { recursive: true, force: true });
});

const config = (over: { OMNI_ENCRYPTION_KEY?: string; embedded?: boolean } = {}) =>
  ({ OMNI_ENCRYPTION_KEY: OTHER_KEY_B64, dataDir: folder, embedded: false, ...over });
const refusal = (p: Promise<unknown>) => p.then(() => 'went on', (err: unknown) => err);

describe('the encryption key check, in the process', () => {
  it('processes starting at once on a new database: with the same key all go on, with different keys only those of the first recorded', async () => {
    for (const keys of [[TEST_KEY_B64, TEST_KEY_B64, TEST_KEY_B64], [TEST_KEY_B64, OTHER_KEY_B64, TEST_KEY_B64]]) {
      const db = await scratchDatabase('omni_key_race');
      // A connection each, so that their statements interleave as those of separate processes do.
      const conns = keys.map(() => connect(db.url, 1));
      try {
        const outcomes = await Promise.allSettled(keys.map((k, i) => checkEncryptionKey(conns[i], key(k), config())));
        const [row] = await conns[0]`select check_value from encryption_key_check`;
        // Never the key itself: its HMAC of a fixed label.
        expect([keyCheckValue(key(TEST_KEY_B64)), keyCheckValue(key(OTHER_KEY_B64))]).toContain(row.check_value);
        expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'recorded')).toHaveLength(1);
        keys.forEach((k, i) => {
          const outcome = outcomes[i];
          if (keyCheckValue(key(k)) === row.check_value) expect(outcome.status).toBe('fulfilled');
          else expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(EncryptionKeyMismatch);
        });
      } finally {
        await Promise.all(conns.map((c) => c.end()));
        await db.drop();
      }
    }
  });

  it('a database from before 0128 with partners: the key is recorded only if it opens the oldest partner secret', async () => {
    const db = await scratchDatabase('omni_key_upgrade');
    const own = connect(db.url, 1);
    try {
      await createPartner(own, key(TEST_KEY_B64), { name: 'first, under the setup key' });
      // A partner a stray process made later under its own key (the defect): it does not decide.
      await createPartner(own, key(OTHER_KEY_B64), { name: 'later, under a stray key' });
      const stray = await refusal(checkEncryptionKey(own, key(OTHER_KEY_B64), config()));
      expect(stray).toBeInstanceOf(EncryptionKeyMismatch);
      expect((stray as Error).message).toBe("OMNI_ENCRYPTION_KEY is not the key this database's partner secrets are encrypted with"
        + " (it cannot decrypt this database's oldest partner secret): with DATABASE_URL set, every process on the database"
        + ' (omni serve, omni worker, omni admin …) must be given the same OMNI_ENCRYPTION_KEY');
      // Without OMNI_ENCRYPTION_KEY: the message names the data folder's generated key.
      await writeFile(join(folder, 'encryption.key'), OTHER_KEY_B64);
      expect(((await refusal(checkEncryptionKey(own, key(OTHER_KEY_B64), config({ OMNI_ENCRYPTION_KEY: undefined })))) as Error).message)
        .toBe(`OMNI_ENCRYPTION_KEY is unset, and the key generated into ${folder}/encryption.key is not the key this database's partner secrets`
          + " are encrypted with (it cannot decrypt this database's oldest partner secret): with DATABASE_URL set, every process on the database"
          + ' (omni serve, omni worker, omni admin …) must be given the same OMNI_ENCRYPTION_KEY');
      expect(await own`select 1 from encryption_key_check`).toHaveLength(0);
      expect(await checkEncryptionKey(own, key(TEST_KEY_B64), config())).toBe('recorded');
      expect(await checkEncryptionKey(own, key(TEST_KEY_B64), config())).toBe('matched');
      expect(await refusal(checkEncryptionKey(own, key(OTHER_KEY_B64), config()))).toBeInstanceOf(EncryptionKeyMismatch);
    } finally {
      await own.end();
      await db.drop();
    }
  });

  it("an embedded database given an OMNI_ENCRYPTION_KEY after it was begun without one is told that its data folder's key is the one", async () => {
    const db = await scratchDatabase('omni_key_embedded');
    const own = connect(db.url, 1);
    try {
      const dataDir = join(folder, 'embedded');
      await mkdir(dataDir);
      await writeFile(join(dataDir, 'encryption.key'), TEST_KEY_B64);
      expect(await checkEncryptionKey(own, key(TEST_KEY_B64), { dataDir, embedded: true })).toBe('recorded');
      const later = await refusal(checkEncryptionKey(own, key(OTHER_KEY_B64), { OMNI_ENCRYPTION_KEY: OTHER_KEY_B64, dataDir, embedded: true }));
      expect((later as Error).message).toBe("OMNI_ENCRYPTION_KEY is not the key this database's partner secrets are encrypted with"
        + ` (this database recorded the check value of another key; the key generated into ${dataDir}/encryption.key is the database's:`
        + " unset OMNI_ENCRYPTION_KEY, or set it to that file's content): set OMNI_ENCRYPTION_KEY to the key this database was used with");
    } finally {
      await own.end();
      await db.drop();
    }
  });
});

// `omni` in processes of their own (~0.5 s of CPU each), on this file's database.
describe('a process with another key', { timeout: 90_000 }, () => {
  const partnersNamed = async (name: string) => (await sql`select 1 from partners where name = ${name}`).length;

  it('an admin command with the same key works; with another key, or none, it fails with one line and creates nothing', async () => {
    expect((await omniJson('admin', 'partner', 'create', '--name', 'Keyed')).partnerClientId).toMatch(/^ptnr_/);
    const other = await omniWithEnv({ ...omniEnv(), OMNI_ENCRYPTION_KEY: OTHER_KEY_B64 }, 'admin', 'partner', 'create', '--name', 'OtherKey', '--json');
    expect([other.code, other.stdout]).toEqual([1, '']);
    expect(other.stderr).toBe("error: OMNI_ENCRYPTION_KEY is not the key this database's partner secrets are encrypted with"
      + ' (this database recorded the check value of another key): with DATABASE_URL set, every process on the database'
      + ' (omni serve, omni worker, omni admin …) must be given the same OMNI_ENCRYPTION_KEY\n');

    // QA's case: a shell without the key, in another folder (a key is generated into its ./.omni).
    const { OMNI_ENCRYPTION_KEY: _, ...keyless } = omniEnv();
    const dataDir = join(folder, 'cli');
    const none = await omniWithEnv({ ...keyless, OMNI_DATA_DIR: dataDir }, 'admin', 'partner', 'create', '--name', 'NoKey', '--json');
    expect([none.code, none.stdout]).toEqual([1, '']);
    expect(none.stderr).toBe("error: OMNI_ENCRYPTION_KEY is unset, and this database's partner secrets are encrypted with a key already"
      + ` (a key generated into ${dataDir}/encryption.key now could not be it; none was):`
      + ' with DATABASE_URL set, every process on the database (omni serve, omni worker, omni admin …) must be given the same OMNI_ENCRYPTION_KEY\n');
    expect(await access(join(dataDir, 'encryption.key')).then(() => 'generated', () => 'none')).toBe('none');
    expect([await partnersNamed('Keyed'), await partnersNamed('OtherKey'), await partnersNamed('NoKey')]).toEqual([1, 0, 0]);
    // A command that seals nothing needs no key (review: a list needed the database's key), nor makes one.
    const listed = await omniWithEnv({ ...keyless, OMNI_DATA_DIR: dataDir }, 'admin', 'partner', 'list', '--json');
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(JSON.parse(listed.stdout).partners.map((p: { name: string }) => p.name)).toContain('Keyed');
    expect(await access(join(dataDir, 'encryption.key')).then(() => 'generated', () => 'none')).toBe('none');

    // `omni migrate` seals nothing: without a key it neither generates one nor is refused.
    const migrateDir = join(folder, 'migrate');
    const migrated = await omniWithEnv({ ...keyless, OMNI_DATA_DIR: migrateDir }, 'migrate');
    expect([migrated.code, migrated.stdout, migrated.stderr]).toEqual([0, 'no pending migrations\n', '']);
    expect(await access(join(migrateDir, 'encryption.key')).then(() => 'generated', () => 'none')).toBe('none');
  });

  it('omni worker with another key exits 1 with the message, before starting its worker', { timeout: 60_000 }, async () => {
    await omniJson('admin', 'partner', 'list');
    const worker = spawnOmni(['worker'], { DATABASE_URL: testDatabaseUrl(), OMNI_ENCRYPTION_KEY: OTHER_KEY_B64 });
    try {
      const code = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
      expect(code, worker.output).toBe(1);
      const lines = worker.output.split('\n').filter((l) => l && !l.startsWith('{'));
      expect(lines, worker.output).toEqual(["error: OMNI_ENCRYPTION_KEY is not the key this database's partner secrets are encrypted with"
        + ' (this database recorded the check value of another key): with DATABASE_URL set, every process on the database'
        + ' (omni serve, omni worker, omni admin …) must be given the same OMNI_ENCRYPTION_KEY']);
      expect(worker.output).not.toMatch(/job worker started|worker started/i);
    } finally {
      await worker.stop();
    }
  });
});
