import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS helper of bin/ (no types)
import { sourceStamp } from '../../bin/source-stamp.js';
import { OMNI_BIN, omniWithEnv } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { TEST_KEY_B64, createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { testDataDir, testDatabaseUrl } from '../helpers/test-database.js';
import { receiver, register, until } from '../helpers/webhooks.js';
import { PartnerClient } from '../../src/sdk/index.js';

/**
 * `npm run build` bundles the sources and most packages into a few files (bin/build.js): a package
 * whose bundled copy behaves otherwise than Node's own loading of it shows only in the processes
 * that run the build, which the in-process tests never are. This drives a built `omni serve` (API
 * and worker) over HTTP through what each such package does. CI builds before it tests; without a
 * current build bin/omni.js runs the sources, which the rest of the suite covers, and this skips.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const stampFile = `${root}dist/.source-stamp`;
const built = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourceStamp(root);
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

let ctx: TestContext;
let base = '';
let stopServer = async () => {};
/** The server's log (stdout: JSON lines). */
let output = '';

beforeAll(async () => {
  if (!built) return;
  ctx = await createTestApp();
  const port = await freePort();
  const child = spawn(process.execPath, [OMNI_BIN, 'serve'], {
    env: {
      ...process.env, DATABASE_URL: testDatabaseUrl(), OMNI_DATA_DIR: testDataDir(), OMNI_ENCRYPTION_KEY: TEST_KEY_B64, PORT: String(port),
      HOST: '127.0.0.1', OMNI_DEMO: 'false', LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', OMNI_RUN_SOURCES: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => child.once('exit', r));
  stopServer = async () => { child.kill('SIGTERM'); await exited; };
  base = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`omni serve exited with ${child.exitCode}:\n${stderr}`);
    return (await fetch(`${base}/ready`).catch(() => undefined))?.ok;
  }, 60_000);
}, 90_000);
afterAll(async () => { await stopServer(); await ctx?.close(); });

describe.skipIf(!built)('the built server (npm run build), over HTTP', () => {
  it('serves the OpenAPI document the sources generate, its documentation page and its assets, and the metrics', async () => {
    const doc = await (await fetch(`${base}/docs/json`)).json();
    const own = ctx.app.swagger() as typeof doc;
    expect(doc.info).toEqual(own.info);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
    expect(doc.paths).toEqual(own.paths);
    expect(doc.components).toEqual(own.components);

    const page = await fetch(`${base}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    const css = await fetch(`${base}/docs/static/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await css.text()).length).toBeGreaterThan(10_000);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/docs\/json"/);
  });

  it('takes a signed catalog sync and a stock update to their ends, and its worker delivers the signed webhook', { timeout: 60_000 }, async () => {
    const store = await createTestStore(ctx, 0);
    const hooks = await receiver(0);
    try {
      hooks.setSecret((await register(ctx, store, hooks.url, ['stock.update.requested'])).secret);
      const client = new PartnerClient(base, store);
      const sync = await client.call('postPartnerStoresCatalogSync', { body: { products: [{ externalId: 'built-1', name: 'Mug', sku: 'BUILT-1', price: 10, stock: 5 }] } });
      expect(sync.message).toBe('Catalog sync request accepted');
      const batch = await until(async () => {
        const res = await client.call('getPartnerStoresBatchesByBatchId', { path: { batchId: sync.data.batchId } });
        return res.data.status === 'COMPLETED' && res.data;
      }, 30_000);
      expect(batch).toMatchObject({ batchId: sync.data.batchId, status: 'COMPLETED' });
      const stock = await client.call('patchPartnerStoresInventory', { body: { items: [{ sku: 'BUILT-1', stock: 7 }] } });
      expect(stock.data.acceptedRows).toHaveLength(1);
      const delivered = await until(async () => hooks.received.find((r) => r.payload?.type === 'stock.update.requested'), 30_000);
      expect(delivered.verified).toBe(true);
    } finally {
      await hooks.close();
    }
  });

  it('logs an unhandled error with its type and a stack trace that names the sources (source maps)', async () => {
    const store = await createTestStore(ctx, 1);
    // A table gone under the running server: the warehouses' read fails as no route expects.
    await ctx.sql`alter table warehouses rename to warehouses_gone`;
    try {
      const error = await new PartnerClient(base, store).call('getPartnerStoresWarehouses').catch((e) => e);
      expect(error).toMatchObject({ status: 500, code: 'SYS_001' });
      const line = await until(async () => output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
        .find((l) => l.msg === 'unhandled error' && l.reqId === error.requestId), 10_000);
      expect(line.err.type).toBe('PostgresError');
      expect(line.err.message).toContain('warehouses');
      expect(line.err.stack).toMatch(/\/src\/[\w/-]+\.ts:\d+:\d+\)/);
      expect(line.err.stack).not.toMatch(/dist\/cli\//);
    } finally {
      await ctx.sql`alter table warehouses_gone rename to warehouses`;
    }
  });

  it('holds no copy of pg: graphile-worker and the queue pool share Node\'s (a bundled one logged DatabaseError as "DatabaseError2")', () => {
    const chunks = readdirSync(`${root}dist/cli`).filter((f) => f.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(1);
    for (const f of chunks) expect(readFileSync(`${root}dist/cli/${f}`, 'utf8'), f).not.toMatch(/\/\/ node_modules\/pg(-protocol)?\//);
  });

  it('prints its version', async () => {
    const res = await omniWithEnv({ ...process.env, OMNI_RUN_SOURCES: '' }, '--version');
    expect(res).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});
