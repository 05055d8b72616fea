import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENCRYPTION_KEY_PATTERN, type Config } from '../config.js';

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
    return await readKeyFile(file);
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err;
  }
  // Written whole under another name, then linked to its own, which fails if a process starting
  // beside this one linked its key first: the key read is then that one. (Created with `wx` and
  // then written, the file could be read empty by the other process, which went on with a key of
  // no bytes.)
  await mkdir(config.dataDir, { recursive: true });
  const written = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(written, randomBytes(32).toString('base64'), { mode: 0o600 });
  try {
    await link(written, file);
  } catch (err: any) {
    if (err?.code !== 'EEXIST') throw err;
  } finally {
    await unlink(written).catch(() => {});
  }
  return readKeyFile(file);
}

/**
 * The data folder's key, checked as OMNI_ENCRYPTION_KEY is: a file holding anything else (empty,
 * cut short, edited) was used as it was, its check value recorded as the database's, and the
 * first secret encrypted failed with a bare "Invalid key length" (QA).
 */
async function readKeyFile(file: string): Promise<Buffer> {
  const text = (await readFile(file, 'utf8')).trim();
  if (!new RegExp(ENCRYPTION_KEY_PATTERN).test(text)) {
    throw new Error(`${file} holds no encryption key (base64 of 32 bytes, 44 characters, as Omni writes it): `
      + 'put back the file the database\'s secrets were encrypted with, or set OMNI_ENCRYPTION_KEY to that key');
  }
  return Buffer.from(text, 'base64');
}
