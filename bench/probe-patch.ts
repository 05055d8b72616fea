/**
 * A closed-loop probe of one request at a time (no concurrency, no open-loop queueing):
 * the floor the PATCH latency target stands on, on this machine. 2,000 products, 500
 * warm-up requests, then 3,000 timed. PROBE=get times GET /products/{id} instead, GAP=<ms>
 * pauses between requests. Run: node bin/run-ts.js bench/probe-patch.ts (DATABASE_URL as
 * for the bench).
 */
import { createPartner } from '../src/partners/partners.js';
import { createStore } from '../src/stores/stores.js';
import { seedTaxonomy } from '../src/catalog/taxonomy.js';
import { startBenchEnv } from './lib/environment.js';
import { catalogImport } from './scenarios/catalog-import.js';
import { signedRequest } from './lib/client.js';
import { request, Agent } from 'node:http';
import { countCpu } from './lib/cpu.js';

const env = await startBenchEnv();
try {
  await seedTaxonomy(env.sql);
  const partner = await createPartner(env.sql, env.key, { name: 'P' });
  const store = await createStore(env.sql, { partnerClientId: partner.partnerClientId, name: 'S', warehouses: 3 });
  const who = { ...partner, ...store };
  await catalogImport(env, who, [], 2000);
  const ids = (await env.sql<{ id: string }[]>`select id from products where store_id = ${store.storeId} limit 2000`).map((r) => r.id);
  const url = new URL(env.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const kind = process.env.PROBE ?? 'patch';
  const one = (i: number) => new Promise<number>((resolve) => {
    const id = ids[i % ids.length];
    const r = kind === 'get' ? signedRequest(who, 'GET', `/api/v1/partner/stores/products/${id}`)
      : signedRequest(who, 'PATCH', `/api/v1/partner/stores/products/${id}`, { name: `N ${i}`, stock: i % 50 });
    const t = performance.now();
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      res.on('data', () => {}); res.on('end', () => resolve(performance.now() - t));
    });
    req.end(r.payload);
  });
  for (let i = 0; i < 500; i++) await one(i);
  const lat: number[] = [];
  const cpu = await countCpu(env.server.pid!, env.worker.pid!);
  for (let i = 0; i < 3000; i++) { lat.push(await one(i)); if (process.env.GAP) await new Promise((r) => setTimeout(r, Number(process.env.GAP))); }
  const used = await cpu.stop();
  lat.sort((a, b) => a - b);
  const at = (p: number) => lat[Math.ceil(p / 100 * lat.length) - 1].toFixed(2);
  console.log(kind, 'closed loop', 'p50', at(50), 'p90', at(90), 'p99', at(99), 'max', at(100),
    '| CPU ms a request: API', (used.api / 3).toFixed(2), 'PostgreSQL', (used.postgres / 3).toFixed(2), 'probe', (used.bench / 3).toFixed(2));
} finally { await env.close(); }
