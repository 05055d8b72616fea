import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEncryptionKey } from './encryption-key.js';

describe('the data folder\'s encryption key', () => {
  const folders: string[] = [];
  const folder = async () => { const f = await mkdtemp(join(tmpdir(), 'omni-key-')); folders.push(f); return f; };
  afterEach(async () => { await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true }))); });

  it('is generated once, 32 bytes, readable by its owner alone, whatever number of processes start at once', async () => {
    const dataDir = join(await folder(), 'new');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadEncryptionKey({ dataDir })));
    expect(new Set(keys.map((k) => k.toString('base64'))).size).toBe(1);
    expect(keys[0]).toHaveLength(32);
    expect((await stat(join(dataDir, 'encryption.key'))).mode & 0o777).toBe(0o600);
    // No file of the writing left beside it.
    expect(await readdir(dataDir)).toEqual(['encryption.key']);
    expect((await loadEncryptionKey({ dataDir })).equals(keys[0])).toBe(true);
  });

  it('refuses a file that holds no key, naming it (an empty or edited file was used, and the first secret failed "Invalid key length")', async () => {
    for (const content of ['', 'hello\n', 'c2hvcnQ=']) {
      const dataDir = await folder();
      await writeFile(join(dataDir, 'encryption.key'), content);
      await expect(loadEncryptionKey({ dataDir })).rejects.toThrow(
        `${dataDir}/encryption.key holds no encryption key (base64 of 32 bytes, 44 characters, as Omni writes it): `
        + "put back the file the database's secrets were encrypted with, or set OMNI_ENCRYPTION_KEY to that key");
    }
  });

  it('takes OMNI_ENCRYPTION_KEY over the file', async () => {
    const dataDir = await folder();
    await writeFile(join(dataDir, 'encryption.key'), 'hello');
    const key = Buffer.alloc(32, 7).toString('base64');
    expect((await loadEncryptionKey({ dataDir, OMNI_ENCRYPTION_KEY: key })).toString('base64')).toBe(key);
  });
});
