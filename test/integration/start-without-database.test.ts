import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { signRequest } from '../../src/sdk/signing.js';
import { freePort } from '../helpers/free-port.js';
import { spawnOmni, startOwnDatabase, until, type OmniProcess, type OwnDatabase } from '../helpers/own-database.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

// `omni serve` and `omni worker` started before their database (Compose, systemd, Kubernetes):
// they wait for it (src/db/wait-at-start.ts) instead of failing at once, within
// DB_START_TIMEOUT_MS, and a SIGTERM meanwhile ends them at once.
const KEY_B64 = randomBytes(32).toString('base64');

let db: OwnDatabase;
let sql: Sql;
/** The database over TCP on 127.0.0.1 (not its Unix socket), as an external server is reached. */
let tcpUrl: URL;
const processes: OmniProcess[] = [];
const env = (url: URL | string, more: Record<string, string> = {}) => ({ DATABASE_URL: String(url), OMNI_ENCRYPTION_KEY: KEY_B64, ...more });

beforeAll(async () => {
  db = await startOwnDatabase();
  sql = connect(db.url, 2);
  tcpUrl = new URL(db.url);
  tcpUrl.searchParams.delete('host');
}, 60000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await sql?.end({ timeout: 1 });
  await db?.destroy();
});

function spawn(args: string[], processEnv: Record<string, string>) {
  const p = spawnOmni(args, processEnv);
  processes.push(p);
  return p;
}

/** The process's log lines about the database and those at warn or above, as "level msg" (durations as N s). */
const loudLines = (p: OmniProcess) => p.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
  .filter((l) => l.level >= 40 || /^database /.test(l.msg))
  .map((l) => `${l.level} ${l.msg.replace(/\d+(\.\d)? s\b/g, 'N s')}`);

const exitWithin = (p: OmniProcess, ms: number) =>
  Promise.race([p.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);

/** A URL on 127.0.0.1 where nothing listens: a database that is not up. */
const nowhere = async () => `postgres://omni:hunter2@127.0.0.1:${await freePort()}/omni`;

describe('starting while the database is away', () => {
  it('still fails at once when the database refuses the login or has no such database', { timeout: 60000 }, async () => {
    const wrongPassword = new URL(tcpUrl);
    wrongPassword.password = 'not-the-password';
    const noDatabase = new URL(tcpUrl);
    noDatabase.pathname = '/no_such_database';
    const started = Date.now();
    const refused = spawn(['worker'], env(wrongPassword));
    const missing = spawn(['serve', '--no-worker'], env(noDatabase, { PORT: String(await freePort()) }));
    expect(await exitWithin(refused, 30000), refused.output).toBe(1);
    expect(await exitWithin(missing, 30000), missing.output).toBe(1);
    expect(refused.output).toMatch(/error: cannot connect to the database of DATABASE_URL: password authentication failed for user "postgres"/);
    expect(missing.output).toMatch(/error: cannot connect to the database of DATABASE_URL: database "no_such_database" does not exist/);
    // Not one attempt a second: neither waited.
    for (const p of [refused, missing]) expect(p.output).not.toMatch(/waiting for it/);
    expect(Date.now() - started, `${refused.output}\n${missing.output}`).toBeLessThan(15000);
  });

  it('gives up after DB_START_TIMEOUT_MS: one line when it begins to wait, one fatal line, exit 1', { timeout: 30000 }, async () => {
    const url = await nowhere();
    const address = new URL(url).host;
    const started = Date.now();
    const worker = spawn(['worker'], env(url, { DB_START_TIMEOUT_MS: '1500' }));
    // With LOG_LEVEL=silent, on stderr as any other failed start (it exited 1 without a word: config QA).
    const silent = spawn(['worker'], env(url, { DB_START_TIMEOUT_MS: '1500', LOG_LEVEL: 'silent' }));
    expect(await exitWithin(worker, 20000), worker.output).toBe(1);
    expect(await exitWithin(silent, 20000), silent.output).toBe(1);
    expect(silent.output.trim()).toMatch(new RegExp(`^error: database unreachable at ${address} for \\d+\\.\\d s \\(DB_START_TIMEOUT_MS=1500\\); giving up, exit 1 \\(last error: connect ECONNREFUSED ${address}\\)$`));
    expect(Date.now() - started, worker.output).toBeGreaterThanOrEqual(1500);
    expect(loudLines(worker), worker.output).toEqual([
      `40 database unreachable at ${address} (connect ECONNREFUSED ${address}); waiting for it, one attempt a second (giving up after N s, DB_START_TIMEOUT_MS)`,
      `60 database unreachable at ${address} for N s (DB_START_TIMEOUT_MS=1500); giving up, exit 1 (last error: connect ECONNREFUSED ${address})`,
    ]);
    const waited = /"level":60,.*"msg":"database unreachable at [^ ]+ for (\d+\.\d) s /.exec(worker.output);
    expect(Number(waited?.[1]), worker.output).toBeGreaterThanOrEqual(1.5);
    expect(worker.output).not.toContain('hunter2');
  });

  it('ends at once with 0 on SIGTERM while it waits', { timeout: 30000 }, async () => {
    const server = spawn(['serve'], env(await nowhere(), { PORT: String(await freePort()) }));
    await until(`waiting\n${server.output}`, 20000, async () => (/waiting for it/.test(server.output) ? true : undefined));
    const sent = Date.now();
    server.child.kill('SIGTERM');
    expect(await exitWithin(server, 5000), server.output).toBe(0);
    // 27 ms when measured; the margin is for a loaded CI machine.
    expect(Date.now() - sent, server.output).toBeLessThan(2000);
    expect(server.output).toMatch(/"msg":"stopped while waiting for the database"/);
  });

  it('an API and a worker started before it wait, start once it is back, and process what is accepted', { timeout: 90000 }, async () => {
    const partner = await createPartner(sql, Buffer.from(KEY_B64, 'base64'), { name: 'Late partner' });
    const store = { ...partner, ...(await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'Late store', warehouses: 1 })) };
    const apiPort = await freePort();
    await db.crash();
    const api = spawn(['serve', '--no-worker'], env(tcpUrl, { PORT: String(apiPort) }));
    const worker = spawn(['worker'], env(tcpUrl));
    const logs = () => `api:\n${api.output.slice(-3000)}\nworker:\n${worker.output.slice(-3000)}`;
    await until(`both waiting\n${logs()}`, 20000, async () => ([api, worker].every((p) => /waiting for it/.test(p.output)) ? true : undefined));
    // A few probes later: still there, and still one line each.
    await new Promise((r) => setTimeout(r, 2500));
    for (const p of [api, worker]) {
      expect([p.child.exitCode, p.child.signalCode], logs()).toEqual([null, null]);
      expect(loudLines(p), logs()).toHaveLength(1);
    }

    await db.restart();
    await until(`API ready\n${logs()}`, 30000, async () => ((await fetch(`http://127.0.0.1:${apiPort}/ready`)).ok ? true : undefined));
    const path = '/api/v1/partner/stores/catalog/sync';
    const body = JSON.stringify({ products: Array.from({ length: 50 }, (_, i) => ({ externalId: `late-${i}`, sku: `LATE-${i}`, name: `P ${i}`, price: 10, stock: 1 })) });
    const headers = signRequest({ secret: store.partnerSecret, method: 'POST', path, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, body });
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
    expect(res.status, await res.clone().text()).toBe(200);
    const { batchId } = (await res.json()).data;
    const done = await until(`batch completed\n${logs()}`, 30000, async () => {
      const [b] = await sql`select status, succeeded, failed from batches where id = ${batchId} and completed_at is not null`;
      return b;
    });
    expect({ ...done }).toEqual({ status: 'COMPLETED', succeeded: 50, failed: 0 });

    const address = `127.0.0.1:${db.port}`;
    for (const p of [api, worker]) {
      expect(loudLines(p), logs()).toEqual([
        `40 database unreachable at ${address} (connect ECONNREFUSED ${address}); waiting for it, one attempt a second (giving up after N s, DB_START_TIMEOUT_MS)`,
        `30 database reachable at ${address} after N s; starting`,
        // The API, listening on a new database: nothing seeded its taxonomy (README: Running in production).
        ...(p === api ? [expect.stringMatching(/^40 the reference taxonomy is empty: .*npx omni admin taxonomy seed/)] : []),
      ]);
      expect(p.output).not.toContain(decodeURIComponent(tcpUrl.password));
    }
  });

  it('a worker whose database connection is reset during its start (migrations, its first heartbeat) waits for it and starts, not exit 1', { timeout: 60000 }, async () => {
    for (const marker of ['schemaversion', 'worker_heartbeats']) {
      const proxy = await startTcpProxy(tcpUrl.toString());
      try {
        const reset = proxy.resetOnceAfter(marker);
        const worker = spawn(['worker'], env(proxy.url));
        await reset;
        await until(`started after the reset (${marker})\n${worker.output}`, 30000, async () => (/job worker started/.test(worker.output) ? true : undefined));
        await new Promise((r) => setTimeout(r, 1000));
        expect([worker.child.exitCode, worker.child.signalCode], worker.output).toEqual([null, null]);
        worker.child.kill('SIGTERM');
        expect(await worker.exited, worker.output).toBe(0);
      } finally {
        await proxy.close();
      }
    }
  });

  it('`omni migrate --wait` waits as the server does, then migrates; `omni migrate` alone still fails at once', { timeout: 60000 }, async () => {
    const alone = spawn(['migrate'], env(await nowhere()));
    expect(await exitWithin(alone, 20000), alone.output).toBe(1);
    expect(alone.output).not.toMatch(/waiting for it/);

    await db.crash();
    const migrate = spawn(['migrate', '--wait'], env(tcpUrl));
    await until(`waiting\n${migrate.output}`, 20000, async () => (/waiting for it/.test(migrate.output) ? true : undefined));
    expect(migrate.child.exitCode, migrate.output).toBeNull();
    await db.restart();
    expect(await exitWithin(migrate, 30000), migrate.output).toBe(0);
    expect(migrate.output).toMatch(/database reachable at 127\.0\.0\.1:\d+ after \d+(\.\d)? s; starting/);
    expect(migrate.output).toContain('no pending migrations');
  });
});
