import { createHmac } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { ConfigError, type Config } from '../config.js';
import type { Queryable } from '../db/database.js';
import { encryptionKeyFile, loadEncryptionKey } from './encryption-key.js';
import { open } from './secret-box.js';

/**
 * A process given another encryption key than the database's secrets are sealed with (another
 * OMNI_ENCRYPTION_KEY, or none and a key generated into its own data folder) used to go on: a CLI
 * command sealed a new partner's secret under a key the API did not have, and every request of
 * that partner then failed with SYS_001 ("unable to authenticate data" in the log only). The
 * database now holds a check value of its key (migrations/0128), and a process whose key does not
 * match stops before it seals or reads any secret. A configuration error: omni.ts prints it as one
 * line, exit 1.
 */
export class EncryptionKeyMismatch extends ConfigError {}

/** Not secret, never changed: a new label would make every recorded check value a mismatch. */
const LABEL = 'omni encryption key check v1';

/** HMAC-SHA256 of a fixed label under the key: equal for equal keys, and the key cannot be recovered from it. */
export function keyCheckValue(key: Buffer): string {
  return createHmac('sha256', key).update(LABEL).digest('base64');
}

type KeyConfig = Pick<Config, 'OMNI_ENCRYPTION_KEY' | 'dataDir' | 'embedded'>;

/**
 * The key (encryption-key.ts), once the migrated database has confirmed it is its own: a process
 * with another key stops here before it seals or opens anything.
 */
export async function loadCheckedEncryptionKey(sql: Queryable, config: KeyConfig) {
  // A key generated now could not be the one of a database that has one already (QA: a shell
  // without OMNI_ENCRYPTION_KEY, in another folder): refused before a stray key file is written.
  if (!config.OMNI_ENCRYPTION_KEY && !(await exists(encryptionKeyFile(config))) && await hasKey(sql)) {
    throw new EncryptionKeyMismatch(`OMNI_ENCRYPTION_KEY is unset, and this database's partner secrets are encrypted with a key already`
      + ` (a key generated into ${encryptionKeyFile(config)} now could not be it; none was): ${nextStep(config)}`);
  }
  const key = await loadEncryptionKey(config);
  return { key, check: await checkEncryptionKey(sql, key, config) };
}

/**
 * Compares the key with the database's check value, recording it when there is none yet.
 * 'recorded': this process recorded it (the first with a key on this database); 'matched': it
 * was there and equal. Throws EncryptionKeyMismatch otherwise.
 *
 * A database from before migration 0128 has no check value but may hold sealed secrets: the key is
 * recorded only if it opens the oldest partner's secret (that partner was made by the setup's first
 * key, so a partner made later under a stray generated key does not decide); a key that cannot open
 * it is refused as a mismatch. With no partner (hence no webhook secret either) any key is recorded.
 *
 * Safe when processes start at once: `on conflict do nothing` waits for a concurrent insert to
 * commit and keeps the first row; each process then reads the row that stayed and compares with it,
 * so with the same key all go on and with different keys all but the first stop.
 */
export async function checkEncryptionKey(sql: Queryable, key: Buffer, config: KeyConfig): Promise<'recorded' | 'matched'> {
  const mine = keyCheckValue(key);
  const recorded = await recordedCheckValue(sql);
  if (recorded !== undefined) {
    if (recorded === mine) return 'matched';
    throw await mismatch(config, recorded, 'this database recorded the check value of another key');
  }
  const [oldest] = await sql<{ secret_ciphertext: string }[]>`
    select secret_ciphertext from partners order by created_at, id limit 1`;
  if (oldest && !opens(oldest.secret_ciphertext, key)) {
    throw await mismatch(config, undefined, "it cannot decrypt this database's oldest partner secret");
  }
  const inserted = await sql`insert into encryption_key_check (check_value) values (${mine}) on conflict (only_row) do nothing returning 1`;
  if (inserted.length) return 'recorded';
  // Another process recorded one first (its insert committed meanwhile): read it, in a statement of its own to see it.
  const winner = await recordedCheckValue(sql);
  if (winner === mine) return 'matched';
  throw await mismatch(config, winner, 'another process recorded the check value of another key at the same moment');
}

async function recordedCheckValue(sql: Queryable): Promise<string | undefined> {
  const [row] = await sql<{ check_value: string }[]>`select check_value from encryption_key_check`;
  return row?.check_value;
}

/** The database has a key already: a check value recorded, or a sealed secret from before 0128. */
async function hasKey(sql: Queryable): Promise<boolean> {
  const [row] = await sql<{ has: boolean }[]>`
    select exists (select from encryption_key_check) or exists (select from partners) as has`;
  return row.has;
}

const exists = (file: string) => access(file).then(() => true, () => false);

function opens(sealed: string, key: Buffer): boolean {
  try { open(sealed, key); return true; } catch { return false; }
}

/**
 * One line naming where the key came from and what to do. An embedded setup given an
 * OMNI_ENCRYPTION_KEY while its data folder holds the generated key the database was used with is
 * told so: that is the usual way to meet this (a key set later, on a database begun without one).
 */
async function mismatch(config: KeyConfig, recorded: string | undefined, why: string): Promise<EncryptionKeyMismatch> {
  const file = encryptionKeyFile(config);
  const what = 'the key this database\'s partner secrets are encrypted with';
  const next = nextStep(config);
  if (!config.OMNI_ENCRYPTION_KEY) {
    return new EncryptionKeyMismatch(`OMNI_ENCRYPTION_KEY is unset, and the key generated into ${file} is not ${what} (${why}): ${next}`);
  }
  const fileKey = await readFile(file, 'utf8').then((text) => Buffer.from(text.trim(), 'base64'), () => undefined);
  const inFile = fileKey && recorded !== undefined && keyCheckValue(fileKey) === recorded
    ? `; the key generated into ${file} is the database's: unset OMNI_ENCRYPTION_KEY, or set it to that file's content` : '';
  return new EncryptionKeyMismatch(`OMNI_ENCRYPTION_KEY is not ${what} (${why}${inFile}): ${next}`);
}

const nextStep = (config: KeyConfig) => (config.embedded ? 'set OMNI_ENCRYPTION_KEY to the key this database was used with'
  : 'with DATABASE_URL set, every process on the database (omni serve, omni worker, omni admin …) must be given the same OMNI_ENCRYPTION_KEY');
