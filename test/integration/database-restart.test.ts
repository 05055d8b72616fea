import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { signRequest } from '../../src/sdk/signing.js';
import { freePort } from '../helpers/free-port.js';
import { spawnOmni, startOwnDatabase, until, type OmniProcess, type OwnDatabase } from '../helpers/own-database.js';

const KEY_B64 = randomBytes(32).toString('base64');
const BATCHES = 3;
const ROWS = 1000;

let db: OwnDatabase;
let sql: Sql;
let api: OmniProcess | undefined;
let worker: OmniProcess | undefined;
let apiPort: number;
let store: Awaited<ReturnType<typeof createPartner>> & Awaited<ReturnType<typeof createStore>>;

beforeAll(async () => {
  db = await startOwnDatabase();
  sql = connect(db.url, 2);
  const partner = await createPartner(sql, Buffer.from(KEY_B64, 'base64'), { name: 'Restart partner' });
  store = { ...partner, ...(await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'Restart store', warehouses: 1 })) };
  apiPort = await freePort();
  const env = { DATABASE_URL: db.url, OMNI_ENCRYPTION_KEY: KEY_B64 };
  api = spawnOmni(['serve', '--no-worker'], { ...env, PORT: String(apiPort) });
  // Small chunks, so that the batches are still being processed when the database goes down.
  worker = spawnOmni(['worker'], { ...env, BATCH_CHUNK_SIZE: '25' });
}, 60000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await sql?.end({ timeout: 1 });
  await db?.destroy();
});

/** A signed request to the API process; a hang fails it after 5 s instead of the test's timeout. */
function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest({
    secret: store.partnerSecret, method, path, partnerClientId: store.partnerClientId,
    storeClientId: store.storeClientId, storeToken: store.storeToken, body: payload,
  });
  return fetch(`http://127.0.0.1:${apiPort}${path}`, {
    method, body: payload, signal: AbortSignal.timeout(5000),
    headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
  });
}

const products = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ externalId: `${prefix}-${i}`, sku: `${prefix.toUpperCase()}-${i}`, name: `Product ${prefix} ${i}`, price: 10, stock: 2 }));

async function sync(prefix: string, n: number): Promise<string> {
  const res = await call('POST', '/api/v1/partner/stores/catalog/sync', { products: products(prefix, n) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()).data.batchId;
}

const alive = (p: OmniProcess | undefined) => p!.child.exitCode === null && p!.child.signalCode === null;
const logs = () => `api:\n${api!.output.slice(-4000)}\nworker:\n${worker!.output.slice(-4000)}`;

describe('the database crashing and restarting while a catalog is imported', () => {
  it('answers SYS_002 while it is down, and then recovers by itself: every accepted row applied exactly once', { timeout: 90000 }, async () => {
    await until('API ready', 30000, async () => ((await fetch(`http://127.0.0.1:${apiPort}/ready`)).ok ? true : undefined));
    const batchIds: string[] = [];
    for (let b = 0; b < BATCHES; b++) batchIds.push(await sync(`r${b}`, ROWS));

    // Down in the middle of the import, with chunks committed and rows pending.
    await until('worker started', 30000, async () => {
      const [row] = await sql`select coalesce(sum(succeeded), 0)::int as done from batches where id = any(${batchIds})`;
      return row.done >= 100 ? true : undefined;
    });
    await db.crash();
    const downAt = Date.now();

    const ready = await fetch(`http://127.0.0.1:${apiPort}/ready`, { signal: AbortSignal.timeout(5000) });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ success: false, error: { code: 'SYS_002' } });
    expect((await fetch(`http://127.0.0.1:${apiPort}/health`)).status).toBe(200);
    // A request that needs the database: the client is told to retry, not that Omni broke.
    for (const [method, path, body] of [
      ['GET', '/api/v1/partner/stores/products?limit=1'],
      ['POST', '/api/v1/partner/stores/catalog/sync', { products: products('down', 2) }],
      ['GET', `/api/v1/partner/stores/batches/${batchIds[0]}`],
    ] as const) {
      const res = await call(method, path, body);
      const envelope = await res.json();
      expect([res.status, envelope.success, envelope.error?.code], `${method} ${path}: ${JSON.stringify(envelope)}`).toEqual([503, false, 'SYS_002']);
      expect(envelope.error.details.hint).toMatch(/retry/i);
    }
    // Down long enough for the worker to fail a chunk and meet the database gone.
    while (Date.now() - downAt < 4000) await new Promise((r) => setTimeout(r, 200));
    expect(alive(api), logs()).toBe(true);
    expect(alive(worker), logs()).toBe(true);

    await db.restart();
    await until('API ready again', 20000, async () => ((await fetch(`http://127.0.0.1:${apiPort}/ready`)).ok ? true : undefined));
    const late = await sync('late', 10);
    batchIds.push(late);

    const done = await until(`batches completed\n${logs()}`, 40000, async () => {
      const rows = await sql`select id, status, succeeded, failed, pending from batches where id = any(${batchIds}) and completed_at is not null`;
      return rows.length === batchIds.length ? rows : undefined;
    });
    expect(done.map(({ status, succeeded, failed, pending }) => ({ status, succeeded, failed, pending })).sort((a, b) => a.succeeded - b.succeeded)).toEqual([
      { status: 'COMPLETED', succeeded: 10, failed: 0, pending: 0 },
      ...Array.from({ length: BATCHES }, () => ({ status: 'COMPLETED', succeeded: ROWS, failed: 0, pending: 0 })),
    ]);
    const total = BATCHES * ROWS + 10;
    const [counts] = await sql`
      select count(*)::int as products, count(distinct external_id)::int as distinct_ids,
        (select count(*)::int from batches b, jsonb_array_elements(b.outcomes) o where b.id = any(${batchIds})) as outcomes,
        (select count(distinct (b.id, o->>'rowIndex'))::int from batches b, jsonb_array_elements(b.outcomes) o
          where b.id = any(${batchIds}) and o->>'status' = 'SUCCEEDED') as succeeded_rows
      from products where store_id = ${store.storeId}`;
    expect(counts).toEqual({ products: total, distinct_ids: total, outcomes: total, succeeded_rows: total });
    // The outage did interrupt jobs (their failure was recorded once the database was back),
    // and neither process was restarted: both rode it out.
    expect(worker!.output).toMatch(/Failed task \d+ \(batch\.process/);
    // The worker logged the outage once as it began and once as it ended, and nothing else at
    // warn or above but the failures of the jobs it interrupted (no line per retry or heartbeat).
    const loud = worker!.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
      .filter((l) => (l.level >= 40 && !l.failure) || /^job worker: database/.test(l.msg))
      .map((l) => `${l.level} ${l.msg.replace(/\d+(\.\d)? s/g, 'N s')}`);
    expect(loud).toEqual([
      '50 job worker: database unreachable; jobs wait for it (the worker gives up after N s, WORKER_MAX_OUTAGE_MS)',
      '30 job worker: database reachable again after N s; jobs resume',
    ]);
    expect(alive(api), logs()).toBe(true);
    expect(alive(worker), logs()).toBe(true);
  });
});
