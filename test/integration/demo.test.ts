import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { omniEnv, omniWithEnv } from '../helpers/cli.js';
import { createTestApp, createTestStore, testConfig, type TestContext } from '../helpers/test-app.js';
import { createDemo, demoBanner, ensureDemo, type DemoCredentials } from '../../src/demo/demo-store.js';

const run = promisify(execFile);
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

/**
 * Each curl of a text, as the request it makes: the text runs in bash, with `curl` a function
 * that prints its arguments, so the shell's own quoting is what is checked.
 */
async function curls(text: string) {
  const script = `curl() { node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- "$@"; }\n${text}`;
  const { stdout } = await run('bash', ['-c', script]);
  return Promise.all(stdout.trim().split('\n').map(async (line) => {
    const args = JSON.parse(line) as string[];
    const request = { method: 'GET', url: '', headers: {} as Record<string, string>, payload: undefined as Buffer | string | undefined };
    for (let i = 0; i < args.length; i++) {
      const [a, next] = [args[i], args[i + 1]];
      if (a === '-X') request.method = args[++i];
      else if (a === '-H') { request.headers[next.slice(0, next.indexOf(':'))] = next.slice(next.indexOf(':') + 2); i++; }
      else if (a === '--data-raw') request.payload = args[++i];
      else if (a === '--data-binary') request.payload = await readFile(args[++i].slice(1));
      else if (a.startsWith('http')) request.url = new URL(a).pathname + new URL(a).search;
    }
    return request;
  }));
}
const send = async (text: string) => Promise.all((await curls(text)).map(async (request) => {
  const res = await ctx.app.inject(request as any);
  return { url: request.url, status: res.statusCode };
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
    expect(await send(printed.stdout)).toEqual([
      { url: '/api/v1/partner/stores/warehouses', status: 200 },
      { url: '/api/v1/pim/bulk-jobs?type=BULK_IMPORT', status: 200 },
    ]);
  }, 60_000);

  it("rotating the demo store's token writes the new one to the demo file, so demo curl keeps working; revoking it says so there", async () => {
    const before = await demoFile();
    const rotated = await demoCli('admin', 'store', 'rotate-token', '--store', before.storeClientId, '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const { storeToken, demoFileUpdated } = JSON.parse(rotated.stdout);
    expect(demoFileUpdated).toBe(join(dataDir, 'demo-credentials.json'));
    expect(await demoFile()).toEqual({ ...before, storeToken });
    expect((await send((await demoCli('demo', 'curl')).stdout)).map((r) => r.status)).toEqual([200, 200]);
    // Another store's rotation leaves the file alone.
    const other = await createTestStore(ctx);
    expect(JSON.parse((await demoCli('admin', 'store', 'rotate-token', '--store', other.storeClientId, '--json')).stdout)).not.toHaveProperty('demoFileUpdated');
    expect((await demoFile()).storeToken).toBe(storeToken);

    // Revoking puts no token in its place: the file records it, and demo curl (and the start's banner) say to rotate.
    const revoked = await demoCli('admin', 'store', 'revoke-token', '--store', before.storeClientId, '--json');
    expect(JSON.parse(revoked.stdout)).toEqual({ storeClientId: before.storeClientId, revoked: 1, demoFileUpdated: join(dataDir, 'demo-credentials.json') });
    expect(await demoFile()).toEqual({ ...before, storeToken: null });
    const rotate = `\`npx omni admin store rotate-token --store ${before.storeClientId}\` issues a new one and writes it to the demo file`
      + ' (a demo store onboarded and then unbound: its seller onboards it again)';
    // Without a Partner API request asked for, the PIM curl is printed, beside what to do (it printed nothing).
    const curl = await demoCli('demo', 'curl');
    expect(curl.code, curl.stderr).toBe(0);
    expect(curl.stdout).toContain(`# Partner API: the demo store's token was revoked: ${rotate}\n`);
    expect(await send(curl.stdout)).toEqual([{ url: '/api/v1/pim/bulk-jobs?type=BULK_IMPORT', status: 200 }]);
    const asked = await demoCli('demo', 'curl', '--path', '/partner/stores/products');
    expect([asked.code, asked.stdout, asked.stderr.trim()]).toEqual([1, '', `error: the demo store's token was revoked: ${rotate} (${join(dataDir, 'demo-credentials.json')})`]);
    const banner = demoBanner('http://omni.test', await demoFile(), true, 'demo-credentials.json');
    expect(banner).toContain(`storeToken:      revoked\n`);
    expect(banner).toContain(`# Partner API: the demo store's token was revoked: ${rotate}\n\n# PIM API`);
    // A later start says where the credentials are, and prints none of them (it printed them all again: logs QA).
    const later = demoBanner('http://omni.test', await demoFile(), false, '/data/demo-credentials.json');
    expect(later).toBe('\n== Omni demo store ==\ncredentials: /data/demo-credentials.json\nsigned curls to paste: npx omni demo curl\nAPI reference: http://omni.test/docs\n');
    const secrets = await demoFile();
    for (const secret of [secrets.partnerSecret, secrets.pim?.token].filter(Boolean)) expect(later).not.toContain(secret);
  }, 60_000);

  it('a demo file from before PIM access gets it at the next start', async () => {
    const store = await createTestStore(ctx, 1);
    const old = { partnerClientId: store.partnerClientId, partnerSecret: store.partnerSecret, storeClientId: store.storeClientId, storeToken: store.storeToken, warehouses: store.warehouses };
    await writeFile(join(dataDir, 'demo-credentials.json'), JSON.stringify(old));
    const { created, demo } = await ensureDemo(ctx.sql, testConfig({ OMNI_DATA_DIR: dataDir }), ctx.deps.encryptionKey);
    expect(created).toBe(false);
    // And, since the thirtieth session, the partner's encryption key and where the server listens.
    expect(demo).toEqual({ ...old, pim: expect.objectContaining({ token: expect.stringMatching(/^pim_/) }), partnerEncryptionKey: store.partnerEncryptionKey,
      baseUrl: testConfig().publicBaseUrl });
    expect(await demoFile()).toEqual(demo);
    expect((await send((await demoCli('demo', 'curl')).stdout)).map((r) => r.status)).toEqual([200, 200]);
  }, 60_000);

  it('demo curl signs a body too: --json or --data (a POST unless --method), --data @file sent as its bytes', async () => {
    const products = (sku: string) => JSON.stringify({ products: [{ externalId: `mug-${sku}`, name: "Mug “café”, it's", sku, price: 10, stock: 5 }] });
    await writeFile(join(dataDir, 'body.json'), products('MUG-FILE'));
    const statuses = async (...args: string[]) => (await send((await demoCli('demo', 'curl', ...args)).stdout)).map((r) => r.status);
    expect(await statuses('--path', '/api/v1/partner/stores/catalog/sync', '--data', products('MUG-INLINE'))).toEqual([200, 200]);
    // --json: the same, given inline and checked to be JSON first (a typo is a usage error, not a VAL_001 later).
    const [sync] = await curls((await demoCli('demo', 'curl', '--path', '/api/v1/partner/stores/catalog/sync', '--json', `  ${products('MUG-JSON')}\n`)).stdout);
    expect(sync).toMatchObject({ method: 'POST', payload: `  ${products('MUG-JSON')}\n`, headers: { 'content-type': 'application/json' } });
    expect((await ctx.app.inject(sync as any)).statusCode).toBe(200);
    const { buildProgram } = await import('../../src/cli/program.js');
    const parse = (...args: string[]) => {
      const program = buildProgram();
      for (const c of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) c.exitOverride().configureOutput({ writeErr: () => {} });
      return program.parseAsync(['demo', 'curl', ...args], { from: 'user' }).then(() => 'ran', (err: { code: string; message: string }) => `${err.code}: ${err.message}`);
    };
    expect(await parse('--json', '{"products": [')).toMatch(/^commander\.invalidArgument: error: option '--json <json>' argument '\{"products": \[' is invalid\. expected JSON \(/);
    expect(await parse('--json', '{}', '--data', '{}')).toBe("commander.conflictingOption: error: option '--json <json>' cannot be used with option '--data <body>'");
    expect(await statuses('--path', '/api/v1/partner/stores/catalog/sync', '--data', `@${join(dataDir, 'body.json')}`)).toEqual([200, 200]);
    const [patch] = await curls((await demoCli('demo', 'curl', '--path', '/api/v1/partner/stores/inventory', '--method', 'patch', '--data', '{"items":[]}')).stdout);
    expect(patch).toMatchObject({ method: 'PATCH', payload: '{"items":[]}' });
    // Signed as sent: a refusal of the body, not of the signature.
    expect((await ctx.app.inject(patch as any)).json().error.code).toMatch(/^VAL_/);
  }, 60_000);

  it("demo curl signs a partner-scoped route without the store's headers (they were refused: AUTH_004), and keeps the encryption key and the server's address", async () => {
    const demo = await createDemo(ctx.sql, { dataDir }, ctx.deps.encryptionKey);
    const [row] = await ctx.sql`select id from partners where client_id = ${demo.partnerClientId}`;
    const { partnerEncryptionKey } = await import('../../src/partners/partners.js');
    expect(demo.partnerEncryptionKey).toBe((await partnerEncryptionKey(ctx.sql, ctx.deps.encryptionKey, row.id)).toString('base64'));
    expect(demoBanner('http://omni.test', demo, true, 'demo-credentials.json')).toContain(`partnerEncryptionKey: ${demo.partnerEncryptionKey} `);
    // A data folder nothing made yet (OMNI_DEMO=true on a DATABASE_URL database): made, the credentials kept (ENOENT lost them).
    const fresh = join(dataDir, 'not', 'yet');
    const again = await createDemo(ctx.sql, { dataDir: fresh }, ctx.deps.encryptionKey);
    expect(JSON.parse(await readFile(join(fresh, 'demo-credentials.json'), 'utf8')).partnerSecret).toBe(again.partnerSecret);
    const statuses = async (...args: string[]) => (await send((await demoCli('demo', 'curl', ...args)).stdout)).map((r) => r.status);
    expect(await statuses('--path', '/partner/webhooks/endpoints')).toEqual([200, 200]);
    expect(await statuses('--path', '/partner/stores')).toEqual([200, 200]);
    expect(await statuses('--path', '/partner/webhooks/endpoints', '--json', '{"url":"http://127.0.0.1:9/hook"}')).toEqual([201, 200]);
    // A store route still carries them.
    expect(await statuses('--path', '/partner/stores/products/sku/NOPE')).toEqual([404, 200]);
    // A SKU in another script: escaped before it is signed, as the request sends it (AUTH_010: QA).
    expect(await statuses('--path', '/partner/stores/products/sku/ÉTÉ-1')).toEqual([404, 200]);
    // The address the last start wrote (ensureDemo), when the shell does not say where the server is.
    await writeFile(join(dataDir, 'demo-credentials.json'), JSON.stringify({ ...demo, baseUrl: 'http://127.0.0.1:18123' }));
    const env = Object.fromEntries(Object.entries(omniEnv()).filter(([k]) => !['PORT', 'HOST', 'PUBLIC_BASE_URL'].includes(k)));
    const printed = await omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir }, 'demo', 'curl');
    expect(printed.stdout).toContain("'http://127.0.0.1:18123/api/v1/partner/stores/warehouses'");
    expect((await omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir, PORT: '18124' }, 'demo', 'curl')).stdout).toContain("'http://127.0.0.1:18124/api/v1/");
    // PORT=0 says no port (the system picked the server's): the file's address (it printed `:0`).
    expect((await omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir, PORT: '0' }, 'demo', 'curl')).stdout).toContain("'http://127.0.0.1:18123/api/v1/partner/stores/warehouses'");
    // HOST says the host alone: the file's port stays (it took 8080), and beside PORT=0 it is heard (QA).
    expect((await omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir, HOST: 'localhost' }, 'demo', 'curl')).stdout).toContain("'http://localhost:18123/api/v1/partner/stores/warehouses'");
    expect((await omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir, HOST: 'localhost', PORT: '0' }, 'demo', 'curl')).stdout).toContain("'http://localhost:18123/api/v1/");
    expect((await omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir, HOST: '::1', PORT: '18125' }, 'demo', 'curl')).stdout).toContain("'http://[::1]:18125/api/v1/");
    // A URL for a path, and a method the API does not answer, are usage errors.
    const url = await demoCli('demo', 'curl', '--path', 'http://127.0.0.1:18123/api/v1/partner/stores/products');
    expect([url.code, url.stderr]).toEqual([1, expect.stringContaining('expected a path such as /partner/stores/products, not a URL')]);
    const foo = await demoCli('demo', 'curl', '--method', 'FOO');
    expect([foo.code, foo.stderr]).toEqual([1, expect.stringContaining('expected an HTTP method (GET, POST, PUT, PATCH, DELETE), got "FOO"')]);
    // A GET with a body: the curl sent a POST (--data without -X).
    const get = await demoCli('demo', 'curl', '--method', 'GET', '--json', '{"a":1}');
    expect([get.code, get.stdout, get.stderr]).toEqual([1, '', expect.stringContaining('--method GET sends no body')]);
  }, 60_000);

  it('a server on PORT=0 prints its curls to, and keeps in the demo file, the port the system gave it (they said :0)', async () => {
    await createDemo(ctx.sql, { dataDir }, ctx.deps.encryptionKey);
    const { start } = await import('../../src/server.js');
    const { withoutAddedListeners } = await import('../../src/process-listeners.js');
    let printed = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { printed += String(chunk); return true; });
    // start() listens for SIGINT and SIGTERM to exit the process; this one is vitest's.
    const config = testConfig({ OMNI_DATA_DIR: dataDir, OMNI_DEMO: 'true' });
    const server = await withoutAddedListeners(['SIGINT', 'SIGTERM'], () => start({ api: true, worker: false, config }))
      .finally(() => write.mockRestore());
    try {
      const { port } = server.app!.server.address() as AddressInfo;
      expect(port).toBeGreaterThan(0);
      expect((await demoFile()).baseUrl).toBe(`http://127.0.0.1:${port}`);
      // A later start (the demo was made above): where the credentials are, with the port, no secret.
      expect(printed).toContain(`API reference: http://127.0.0.1:${port}/docs`);
      expect(printed).not.toContain((await demoFile()).partnerSecret);
      // And the links Omni hands out: the OpenAPI document's server, onboarding and export links (they said :0).
      const document = await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json();
      expect(document.servers).toEqual([{ url: `http://127.0.0.1:${port}` }]);
      expect(config.publicBaseUrl).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('demo curl takes a path as the signing docs write it (without /api/v1, or its first "/") and refuses a method that is no word', async () => {
    const printed = await demoCli('demo', 'curl', '--path', '/partner/stores/products?limit=5', '--pim-path', 'pim/validation-issues');
    expect(printed.code, printed.stderr).toBe(0);
    expect(await send(printed.stdout)).toEqual([
      { url: '/api/v1/partner/stores/products?limit=5', status: 200 },
      { url: '/api/v1/pim/validation-issues', status: 200 },
    ]);
    const method = await demoCli('demo', 'curl', '--method', 'GE T');
    expect([method.code, method.stdout]).toEqual([1, '']);
    expect(method.stderr).toContain('error: option \'--method <method>\' argument \'GE T\' is invalid. expected an HTTP method (GET, POST, PUT, PATCH, DELETE), got "GE T".');
  }, 60_000);
  it("rotating the demo store's token once another partner operates it leaves the demo file alone and says why (it wrote that partner's token there)", async () => {
    const before = await demoFile();
    const other = await createTestStore(ctx);
    const [{ id: storeId, partner_id: demoPartner }] = await ctx.sql`select id, partner_id from stores where client_id = ${before.storeClientId}`;
    await ctx.sql`update stores set partner_id = ${other.partnerId} where id = ${storeId}`;
    try {
      const rotated = await demoCli('admin', 'store', 'rotate-token', '--store', before.storeClientId, '--json');
      expect(rotated.code, rotated.stderr).toBe(0);
      const out = JSON.parse(rotated.stdout);
      expect(out).not.toHaveProperty('demoFileUpdated');
      expect(out.notWritten).toBe(`${join(dataDir, 'demo-credentials.json')} keeps the demo partner's credentials: the demo store is operated by ${other.partnerClientId} now, whose token this is`);
      expect(await demoFile()).toEqual(before);
    } finally {
      await ctx.sql`update stores set partner_id = ${demoPartner} where id = ${storeId}`;
    }
    // Back with the demo partner: its rotation writes the file again.
    expect(JSON.parse((await demoCli('admin', 'store', 'rotate-token', '--store', before.storeClientId, '--json')).stdout).demoFileUpdated).toBe(join(dataDir, 'demo-credentials.json'));
  });
});
