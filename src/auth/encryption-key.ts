import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';

/** Where a key is generated when OMNI_ENCRYPTION_KEY is unset. */
export const encryptionKeyFile = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'encryption.key');

/**
 * The key that encrypts partner secrets: OMNI_ENCRYPTION_KEY, or for a
 * single-machine setup a key generated once into the data folder. Several
 * machines sharing one database must all be given the same OMNI_ENCRYPTION_KEY.
 */
export async function loadEncryptionKey(config: Pick<Config, 'OMNI_ENCRYPTION_KEY' | 'dataDir'>): Promise<Buffer> {
  if (config.OMNI_ENCRYPTION_KEY) return Buffer.from(config.OMNI_ENCRYPTION_KEY, 'base64');
  const file = encryptionKeyFile(config);
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch {
    await mkdir(config.dataDir, { recursive: true });
    const key = randomBytes(32);
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(() => {});
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}
