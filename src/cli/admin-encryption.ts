import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION } from './option-values.js';
import { firstLineOfStdin } from './stdin.js';
import { rotateEncryptionKey } from '../auth/key-rotation.js';
import { encryptionKeyFile } from '../auth/encryption-key.js';

/** A key as OMNI_ENCRYPTION_KEY takes it (config.ts): base64 of 32 bytes. */
const KEY = /^[A-Za-z0-9+/]{43}=$/;

/** The new key from its file (or stdin, `-`): never from the command line, where `ps` shows it. */
async function newKeyFrom(source: string): Promise<string> {
  const text = source === '-' ? await firstLineOfStdin('--new-key', 'a key') : (await readFile(source, 'utf8')).trim();
  if (!KEY.test(text)) throw new Error(`--new-key: expected base64 of 32 bytes, 44 characters (e.g. \`openssl rand -base64 32\`), in ${source === '-' ? 'stdin' : source}`);
  return text;
}

/** `omni admin encryption-key rotate`: seals the secrets kept at rest under a new key. */
export function registerEncryptionAdmin(admin: Command) {
  admin.command('encryption-key').description('the key partner and webhook secrets are encrypted with at rest (OMNI_ENCRYPTION_KEY)')
    .command('rotate')
    .description('seal every secret kept at rest again under a new key, in one transaction (partners and their clients notice nothing); '
      + 'then restart every omni process with OMNI_ENCRYPTION_KEY set to the new key (with OMNI_ENCRYPTION_KEY unset, the data folder\'s key file is replaced): '
      + 'until then a process with the old key cannot open the secrets')
    .option('--new-key <file>', 'a file holding the new key (base64 of 32 bytes), or - to read it from stdin; without it a key is generated, and printed once unless it goes to the data folder\'s key file')
    .option(...JSON_OPTION)
    .action(adminAction<{ newKey?: string; json?: boolean }>(async ({ sql, key, config }, o) => {
      const oldKey = await key();
      const generated = o.newKey === undefined;
      const newKeyB64 = generated ? randomBytes(32).toString('base64') : await newKeyFrom(o.newKey!);
      const newKey = Buffer.from(newKeyB64, 'base64');
      if (newKey.equals(oldKey)) throw new Error('--new-key: that is the key in use; give another');
      // A key kept in the data folder (OMNI_ENCRYPTION_KEY unset) is replaced there: written beside
      // it first, under a name of this process's own (two rotations at once wrote one name, and
      // the first moved the second's key over the file: QA), moved over it once the secrets are
      // sealed under it (the old one stays until then).
      const file = config.OMNI_ENCRYPTION_KEY ? undefined : encryptionKeyFile(config);
      const written = `${file}.new-${process.pid}`;
      if (file) await writeFile(written, newKeyB64, { mode: 0o600, flag: 'wx' });
      try {
        const resealed = await rotateEncryptionKey(sql, oldKey, newKey);
        if (file) await rename(written, file);
        return {
          resealed,
          ...(file ? { keyFile: file } : generated ? { newKey: newKeyB64 } : {}),
          next: file ? 'restart every omni process on this data folder: they read the new key from its file'
            : 'restart every omni process with OMNI_ENCRYPTION_KEY set to the new key',
        };
      } catch (err) {
        if (file) await rm(written, { force: true });
        throw err;
      }
    }));
}
