import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS helper of bin/ (no types)
import { sourceStamp } from '../../bin/source-stamp.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tree(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'omni-stamp-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, 'src', path, '..'), { recursive: true });
    await writeFile(join(root, 'src', path), text);
  }
  return root;
}

describe('the compiled build runs only while it matches the sources (bin/omni.js)', () => {
  it('fingerprints the sources: any change to a .ts file changes it, tests and other files do not', async () => {
    const base = sourceStamp(await tree({ 'a.ts': 'export const a = 1;', 'db/b.ts': 'export const b = 2;' }));
    expect(sourceStamp(await tree({ 'a.ts': 'export const a = 1;', 'db/b.ts': 'export const b = 2;' }))).toBe(base);
    expect(sourceStamp(await tree({ 'a.ts': 'export const a = 1;', 'db/b.ts': 'export const b = 3;' }))).not.toBe(base);
    expect(sourceStamp(await tree({ 'a.ts': 'export const a = 1;', 'db/c.ts': 'export const b = 2;' }))).not.toBe(base);
    expect(sourceStamp(await tree({ 'a.ts': 'export const a = 1;', 'db/b.ts': 'export const b = 2;', 'a.test.ts': 'x', 'notes.md': 'y' }))).toBe(base);
  });
});
