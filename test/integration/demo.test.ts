import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { omniEnv, omniWithEnv } from '../helpers/cli.js';
import { createTestApp, createTestStore, testConfig, type TestContext } from '../helpers/test-app.js';
import { createDemo, ensureDemo, type DemoCredentials } from '../../src/demo/demo-store.js';

let ctx: TestContext;
let dataDir: string;
beforeAll(async () => {
  ctx = await createTestApp();
  dataDir = await mkdtemp(join(tmpdir(), 'omni-demo-'));
});
afterAll(async () => {
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Each `curl -s 'URL' -H 'k: v' …` of a text, as the request it makes. */
function curls(text: string) {
  return [...text.matchAll(/curl -s '([^']+)'((?: \\\n\s+-H '[^']+')*)/g)].map((m) => ({
    url: new URL(m[1]).pathname + new URL(m[1]).search,
    headers: Object.fromEntries([...m[2].matchAll(/-H '([^:]+): ([^']+)'/g)].map((h) => [h[1], h[2]])),
  }));
}
const run = async (text: string) => Promise.all(curls(text).map(async (c) => {
  const res = await ctx.app.inject({ method: 'GET', url: c.url, headers: c.headers });
  return { url: c.url, status: res.statusCode };
}));
const demoCli = (...args: string[]) => omniWithEnv({ ...omniEnv(), OMNI_DATA_DIR: dataDir }, ...args);
const demoFile = async () => JSON.parse(await readFile(join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;

describe('the demo', () => {
  it('has PIM access too, and `omni demo curl` prints a working Partner API curl and PIM API curl', async () => {
    const demo = await createDemo(ctx.sql, { dataDir }, ctx.deps.encryptionKey);
    expect(demo.pim).toEqual({ orgId: expect.any(String), tenantId: expect.any(String), userId: expect.any(String), email: expect.any(String), token: expect.stringMatching(/^pim_/) });
    expect(await demoFile()).toEqual(demo);
    const printed = await demoCli('demo', 'curl');
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('# PIM API');
    expect(await run(printed.stdout)).toEqual([
      { url: '/api/v1/partner/stores/warehouses', status: 200 },
      { url: '/api/v1/pim/bulk-jobs?type=BULK_IMPORT', status: 200 },
    ]);
  }, 60_000);

  it("rotating the demo store's token writes the new one to the demo file, so demo curl keeps working", async () => {
    const before = await demoFile();
    const rotated = await demoCli('admin', 'store', 'rotate-token', '--store', before.storeClientId, '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const { storeToken, demoFileUpdated } = JSON.parse(rotated.stdout);
    expect(demoFileUpdated).toBe(join(dataDir, 'demo-credentials.json'));
    expect(await demoFile()).toEqual({ ...before, storeToken });
    expect((await run((await demoCli('demo', 'curl')).stdout)).map((r) => r.status)).toEqual([200, 200]);
    // Another store's rotation leaves the file alone.
    const other = await createTestStore(ctx);
    expect(JSON.parse((await demoCli('admin', 'store', 'rotate-token', '--store', other.storeClientId, '--json')).stdout)).not.toHaveProperty('demoFileUpdated');
    expect((await demoFile()).storeToken).toBe(storeToken);
  }, 60_000);

  it('a demo file from before PIM access gets it at the next start', async () => {
    const store = await createTestStore(ctx, 1);
    const old = { partnerClientId: store.partnerClientId, partnerSecret: store.partnerSecret, storeClientId: store.storeClientId, storeToken: store.storeToken, warehouses: store.warehouses };
    await writeFile(join(dataDir, 'demo-credentials.json'), JSON.stringify(old));
    const { created, demo } = await ensureDemo(ctx.sql, testConfig({ OMNI_DATA_DIR: dataDir }), ctx.deps.encryptionKey);
    expect(created).toBe(false);
    expect(demo).toEqual({ ...old, pim: expect.objectContaining({ token: expect.stringMatching(/^pim_/) }) });
    expect(await demoFile()).toEqual(demo);
    expect((await run((await demoCli('demo', 'curl')).stdout)).map((r) => r.status)).toEqual([200, 200]);
  }, 60_000);
});
