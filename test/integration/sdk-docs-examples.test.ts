import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';

const run = promisify(execFile);
let ctx: TestContext;
let dir: string;
let baseUrl: string;
beforeAll(async () => {
  ctx = await createTestApp();
  baseUrl = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  // Only the built SDK in a folder outside the repository: no node_modules to fall back on.
  dir = await mkdtemp(join(tmpdir(), 'omni-sdk-docs-'));
  await run(process.execPath, [fileURLToPath(new URL('../../bin/build-sdk.js', import.meta.url)), join(dir, 'omni-sdk')]);
}, 60_000);
afterAll(async () => { await ctx.close(); await rm(dir, { recursive: true, force: true }); });

/** The code blocks of docs/partner-auth.md's "The SDK" section, as JavaScript. */
async function sdkExamples(): Promise<string[]> {
  const doc = await readFile(new URL('../../docs/partner-auth.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## The SDK'), doc.indexOf('## Webhooks'));
  return [...section.matchAll(/```(ts|js)\n([\s\S]*?)```/g)].map(([, lang, code]) => (lang === 'ts'
    ? ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText : code));
}

/** Runs an example with plain Node in the folder, this server and store in place of its placeholders. */
async function runExample(code: string, who: TestStore): Promise<string> {
  const filled = code.replaceAll('https://omni.example.com', baseUrl).replaceAll("'ptnr_…'", `'${who.partnerClientId}'`)
    .replaceAll("'psk_…'", `'${who.partnerSecret}'`).replaceAll("'str_…'", `'${who.storeClientId}'`).replaceAll("'stkn_…'", `'${who.storeToken}'`);
  await writeFile(join(dir, 'example.mjs'), filled);
  const { stdout, stderr } = await run(process.execPath, [join(dir, 'example.mjs')], { cwd: dir });
  expect(stderr).toBe('');
  return stdout;
}

describe('the SDK examples of docs/partner-auth.md, built (npm run build:sdk) and run against a live server', () => {
  it('has the two', async () => { expect(await sdkExamples()).toHaveLength(2); });

  it('the typed call, its Idempotency-Key and waitForBatch', async () => {
    const who = await createTestStore(ctx, 0);
    const worker = await startTestWorker(ctx);
    try {
      const out = await runExample((await sdkExamples())[0], who);
      expect(out).toMatch(/^pb_[\w-]+ \[\]\nCOMPLETED \{ total: 1, succeeded: 1, failed: 0, pending: 0 \}\n$/);
    } finally {
      await worker.stop();
    }
  }, 60_000);

  it('plain JavaScript: a store, its partner and a typed call', async () => {
    const who = await createTestStore(ctx, 1);
    const out = await runExample((await sdkExamples())[1], who);
    expect(out).toContain(`200 {\n  success: true,`);
    expect(out).toContain(who.warehouses[0].clientId);
    expect(out).not.toContain('success: false');
  }, 60_000);
});
