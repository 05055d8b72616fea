import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { signRequest } from '../../src/sdk/signing.js';
import { freePort } from '../helpers/free-port.js';
import { spawnOmni, startOwnDatabase, until, type OmniProcess, type OwnDatabase } from '../helpers/own-database.js';

// A deploy (SIGTERM to every process) during a database outage: each process must end promptly,
// as a supervisor expects, and what was accepted must still be applied once the database and a
// new worker are back.
const KEY_B64 = randomBytes(32).toString('base64');
const ROWS = 1000;

let db: OwnDatabase;
let sql: Sql;
const processes: OmniProcess[] = [];
let apiPort: number;
let store: Awaited<ReturnType<typeof createPartner>> & Awaited<ReturnType<typeof createStore>>;
const env = () => ({ DATABASE_URL: db.url, OMNI_ENCRYPTION_KEY: KEY_B64, WORKER_STALE_MS: '1000', BATCH_CHUNK_SIZE: '25' });

beforeAll(async () => {
  db = await startOwnDatabase();
  sql = connect(db.url, 2);
  const partner = await createPartner(sql, Buffer.from(KEY_B64, 'base64'), { name: 'Stop partner' });
  store = { ...partner, ...(await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'Stop store', warehouses: 1 })) };
  apiPort = await freePort();
}, 60000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await sql?.end({ timeout: 1 });
  await db?.destroy();
});

async function sync(prefix: string): Promise<string> {
  const path = '/api/v1/partner/stores/catalog/sync';
  const body = JSON.stringify({ products: Array.from({ length: ROWS }, (_, i) => ({ externalId: `${prefix}-${i}`, sku: `${prefix}-${i}`, name: `P ${i}`, price: 10, stock: 1 })) });
  const headers = signRequest({ secret: store.partnerSecret, method: 'POST', path, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, body });
  const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()).data.batchId;
}

/** Sends SIGTERM and resolves with the exit code and how long the process took to end. */
async function terminate(p: OmniProcess) {
  const sent = Date.now();
  p.child.kill('SIGTERM');
  const code = await Promise.race([p.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30000))]);
  return { code, ms: Date.now() - sent };
}

describe('SIGTERM while the database is down', () => {
  it('ends the API and the worker promptly, and a new worker applies every accepted row once', { timeout: 120000 }, async () => {
    const api = spawnOmni(['serve', '--no-worker'], { ...env(), PORT: String(apiPort) });
    const worker = spawnOmni(['worker'], env());
    // One that gives up on a database away for a second, by itself.
    const quitter = spawnOmni(['worker'], { ...env(), WORKER_MAX_OUTAGE_MS: '1000' });
    processes.push(api, worker, quitter);
    await until('API ready', 30000, async () => ((await fetch(`http://127.0.0.1:${apiPort}/ready`)).ok ? true : undefined));
    const batchIds = [await sync('a'), await sync('b')];
    await until('worker started', 30000, async () => {
      const [row] = await sql`select coalesce(sum(succeeded), 0)::int as done from batches where id = any(${batchIds})`;
      return row.done >= 100 ? true : undefined;
    });
    // Before the crash, not after it: the worker can find the database away while crash() still
    // waits for the server's end (CI saw it give up 984 ms after crash() returned).
    const downAt = Date.now();
    await db.crash();
    const quit = quitter.exited.then((code) => ({ code, ms: Date.now() - downAt }));
    await new Promise((r) => setTimeout(r, 1000));

    const [apiEnd, workerEnd] = await Promise.all([terminate(api), terminate(worker)]);
    const logs = `api:\n${api.output.slice(-3000)}\nworker:\n${worker.output.slice(-3000)}`;
    expect(apiEnd.code, logs).not.toBe('hung');
    expect(workerEnd.code, logs).not.toBe('hung');
    expect(apiEnd.ms, logs).toBeLessThan(15000);
    expect(workerEnd.ms, logs).toBeLessThan(15000);
    // The API had nothing left to do: a clean stop. So did the worker, but for the outcomes of
    // the jobs the crash failed, if it ran any: it could not record them, logs so, and leaves
    // them to the next worker.
    expect(apiEnd.code, logs).toBe(0);
    expect(workerEnd.code, logs).toBe(0);

    // The one that gives up exits by itself with 1, a second after it found the database away.
    const quitEnd = await Promise.race([quit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15000))]);
    const quitLogs = quitter.output.slice(-3000);
    expect(quitEnd, quitLogs).toMatchObject({ code: 1 });
    expect((quitEnd as { ms: number }).ms, quitLogs).toBeGreaterThanOrEqual(1000);
    // The whole output: each job slot stopped after it logs a line (graphile-worker printed a stack
    // trace for each, console.trace: patches/graphile-worker+0.17.3.patch).
    expect(quitter.output).toMatch(/"level":60,.*"msg":"job worker: database unreachable for 1\.\d s \(WORKER_MAX_OUTAGE_MS=1000\); giving up, exit 1/);
    expect(quitter.output).not.toMatch(/^Trace: /m);

    await db.restart();
    const next = spawnOmni(['worker'], env());
    processes.push(next);
    const done = await until(`batches completed\n${next.output.slice(-3000)}`, 60000, async () => {
      const rows = await sql`select status, succeeded, failed, pending from batches where id = any(${batchIds}) and completed_at is not null`;
      return rows.length === batchIds.length ? rows : undefined;
    });
    expect(done.map((b) => ({ ...b }))).toEqual(batchIds.map(() => ({ status: 'COMPLETED', succeeded: ROWS, failed: 0, pending: 0 })));
    const [{ products }] = await sql`select count(*)::int as products from products where store_id = ${store.storeId}`;
    expect(products).toBe(2 * ROWS);
  });
});
