import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEncryptionKey, EncryptionKeyMismatch } from '../../src/auth/encryption-key-check.js';
import { open } from '../../src/auth/secret-box.js';
import { connect, type Sql } from '../../src/db/database.js';
import { rotateWebhookSecret } from '../../src/webhooks/endpoints.js';
import { omniEnv, omniWithEnv } from '../helpers/cli.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { TEST_KEY_B64 } from '../helpers/test-app.js';

// OMNI_ENCRYPTION_KEY could not be changed: every partner and webhook secret stayed sealed under the
// first key for ever. `omni admin encryption-key rotate` seals them again under a new one.
const NEW_KEY_B64 = randomBytes(32).toString('base64');
const key = (b64: string) => Buffer.from(b64, 'base64');

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let folder: string;
let env: NodeJS.ProcessEnv;
let created: { partnerClientId: string; partnerSecret: string; partnerEncryptionKey: string; webhookEndpointId: string; webhookSecret: string };
let rolledSecret: string;
beforeAll(async () => {
  db = await scratchDatabase('omni_key_rotation');
  sql = connect(db.url, 2);
  folder = await mkdtemp(join(tmpdir(), 'omni-key-rotation-'));
  env = { ...omniEnv(), DATABASE_URL: db.url, OMNI_DATA_DIR: folder, OMNI_ENCRYPTION_KEY: TEST_KEY_B64 };
  const res = await omniWithEnv(env, 'admin', 'partner', 'create', '--name', 'Rotated', '--webhook-url', 'https://hooks.example/omni', '--json');
  expect(res.code, res.stderr).toBe(0);
  created = JSON.parse(res.stdout);
  // A rolled webhook secret still signing beside the new one: sealed too.
  const [{ id: partnerId }] = await sql`select id from partners where client_id = ${created.partnerClientId}`;
  rolledSecret = (await rotateWebhookSecret(sql, key(TEST_KEY_B64), partnerId, created.webhookEndpointId, 24)).secret;
});
afterAll(async () => {
  await sql.end();
  await db.drop();
  await rm(folder, { recursive: true, force: true });
});

const sealed = async () => {
  const [p] = await sql`select secret_ciphertext, encryption_key_ciphertext from partners where client_id = ${created.partnerClientId}`;
  const [e] = await sql`select secret_ciphertext, previous_secrets from webhook_endpoints where id = ${created.webhookEndpointId}`;
  return [p.secret_ciphertext, p.encryption_key_ciphertext, e.secret_ciphertext, e.previous_secrets[0].ciphertext] as string[];
};
const plaintexts = async (b64: string) => (await sealed()).map((s) => open(s, key(b64)));
const rotate = (over: NodeJS.ProcessEnv, ...args: string[]) => omniWithEnv({ ...env, ...over }, 'admin', 'encryption-key', 'rotate', ...args, '--json');

describe('omni admin encryption-key rotate', () => {
  it('refuses the key in use and a malformed key, and changes nothing', async () => {
    const before = await sealed();
    const same = join(folder, 'same.key');
    await writeFile(same, `${TEST_KEY_B64}\n`);
    const bad = join(folder, 'bad.key');
    await writeFile(bad, 'not-a-key');
    const refused = [await rotate({}, '--new-key', same), await rotate({}, '--new-key', bad)];
    expect(refused.map((r) => [r.code, r.stdout])).toEqual([[1, ''], [1, '']]);
    expect(refused[0].stderr).toContain('--new-key: that is the key in use; give another');
    expect(refused[1].stderr).toContain(`--new-key: expected base64 of 32 bytes, 44 characters (e.g. \`openssl rand -base64 32\`), in ${bad}`);
    expect(await sealed()).toEqual(before);
  });

  it('seals every secret again under the new key, the same plaintexts; the old key is then refused, the new one taken', async () => {
    const file = join(folder, 'new.key');
    await writeFile(file, NEW_KEY_B64);
    const res = await rotate({}, '--new-key', file);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      resealed: { partnerSecrets: 1, partnerKeys: 1, webhookSecrets: 1, previousWebhookSecrets: 1 },
      next: 'restart every omni process with OMNI_ENCRYPTION_KEY set to the new key',
    });
    expect(await plaintexts(NEW_KEY_B64)).toEqual([created.partnerSecret, created.partnerEncryptionKey, rolledSecret, created.webhookSecret]);
    const config = { OMNI_ENCRYPTION_KEY: TEST_KEY_B64, dataDir: folder, embedded: false };
    await expect(checkEncryptionKey(sql, key(TEST_KEY_B64), config)).rejects.toBeInstanceOf(EncryptionKeyMismatch);
    expect(await checkEncryptionKey(sql, key(NEW_KEY_B64), { ...config, OMNI_ENCRYPTION_KEY: NEW_KEY_B64 })).toBe('matched');
    // A process still given the old key stops at once, before it seals anything.
    const stale = await omniWithEnv(env, 'admin', 'partner', 'create', '--name', 'Stale', '--json');
    expect([stale.code, stale.stderr]).toEqual([1, expect.stringContaining('OMNI_ENCRYPTION_KEY is not the key this database')]);
  });

  it("replaces the data folder's key file when OMNI_ENCRYPTION_KEY is unset, with a key it generates and never prints", async () => {
    const keyFile = join(folder, 'encryption.key');
    await writeFile(keyFile, NEW_KEY_B64);
    const { OMNI_ENCRYPTION_KEY: _set, ...unset } = env;
    const res = await omniWithEnv(unset, 'admin', 'encryption-key', 'rotate', '--json');
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toEqual({ resealed: expect.objectContaining({ partnerSecrets: 1 }), keyFile, next: 'restart every omni process on this data folder: they read the new key from its file' });
    const written = (await readFile(keyFile, 'utf8')).trim();
    expect(written).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(written).not.toBe(NEW_KEY_B64);
    expect(res.stdout).not.toContain(written);
    expect(await plaintexts(written)).toEqual([created.partnerSecret, created.partnerEncryptionKey, rolledSecret, created.webhookSecret]);
    expect((await readdir(folder)).filter((f) => f.startsWith('encryption.key.new'))).toEqual([]);
    // Read from the file, the key works for the next command.
    const next = await omniWithEnv(unset, 'admin', 'partner', 'create', '--name', 'After', '--json');
    expect(next.code, next.stderr).toBe(0);
  });

  it('run twice at once, lets one rotate and refuses the other, which waited: the key file holds the key the secrets are sealed with', async () => {
    const keyFile = join(folder, 'encryption.key');
    const { OMNI_ENCRYPTION_KEY: _set, ...unset } = env;
    // Both wait behind a lock held here, then go one after the other (QA: the second overwrote the
    // first's key file beside it, and the first moved that key over the file: a key nobody had).
    const held = sql.reserve();
    const lock = await held;
    await lock`begin`;
    await lock`lock table partners in access exclusive mode`;
    const both = [omniWithEnv(unset, 'admin', 'encryption-key', 'rotate', '--json'), omniWithEnv(unset, 'admin', 'encryption-key', 'rotate', '--json')];
    for (let waiting = 0, polls = 0; waiting < 2; polls++) {
      expect(polls, 'both commands waiting on the lock').toBeLessThan(150);
      await new Promise((r) => setTimeout(r, 100));
      [{ waiting }] = await sql<{ waiting: number }[]>`select count(*)::int as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like 'lock table partners, webhook_endpoints%'`;
    }
    await lock`commit`;
    lock.release();
    const results = await Promise.all(both);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(results.find((r) => r.code === 1)!.stderr).toContain('the key in use changed while this command waited (another rotation ran): nothing was changed');
    const fileKey = (await readFile(keyFile, 'utf8')).trim();
    expect(await plaintexts(fileKey)).toEqual([created.partnerSecret, created.partnerEncryptionKey, rolledSecret, created.webhookSecret]);
    expect((await readdir(folder)).filter((f) => f.startsWith('encryption.key.new'))).toEqual([]);
  });
});
