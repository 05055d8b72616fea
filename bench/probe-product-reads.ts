// Times the product list's reads on a large store (2026-12-07, a QA of reads at scale): start
// `omni serve` on a fresh OMNI_DATA_DIR (its demo store), then
//   node bin/run-ts.js bench/probe-product-reads.ts http://127.0.0.1:PORT load 300   (300,000 products, a quarter without stock)
//   node bin/run-ts.js bench/probe-product-reads.ts http://127.0.0.1:PORT get '/api/v1/partner/stores/products?sortBy=name' …
// with the same OMNI_DATA_DIR (its demo-credentials.json) and PARTNER_RATE_LIMIT_PER_MINUTE=0 on the server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signRequest } from '../src/sdk/signing.js';

const base = process.argv[2];
const creds = JSON.parse(readFileSync(join(process.env.OMNI_DATA_DIR ?? './.omni', 'demo-credentials.json'), 'utf8'));
const who = { secret: creds.partnerSecret, partnerClientId: creds.partnerClientId, storeClientId: creds.storeClientId, storeToken: creds.storeToken };
async function call(method: string, path: string, body?: unknown) {
  const raw = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest({ ...who, method, path, body: raw });
  const res = await fetch(base + path, { method, headers: { ...headers, ...(raw ? { 'content-type': 'application/json' } : {}) }, body: raw });
  return { status: res.status, text: await res.text() };
}
const mode = process.argv[3];
if (mode === 'load') {
  const requests = Number(process.argv[4] ?? 200);
  let next = 0;
  const sender = async () => {
    while (next < requests) {
      const r = next++;
      const products = Array.from({ length: 1000 }, (_, i) => {
        const n = r * 1000 + i;
        return { externalId: `ext-${n}`, sku: `SKU-${n}`, name: `Product ${(n * 7919) % 1000003} ${['Alpha', 'Beta', 'Gamma', 'Zeta'][n % 4]}`, price: (n % 5000) / 10 + 1, stock: n % 4 === 0 ? 0 : n % 50 };
      });
      const res = await call('POST', '/api/v1/partner/stores/catalog/sync', { products });
      if (res.status !== 200) console.log(res.status, res.text.slice(0, 300));
    }
  };
  await Promise.all([sender(), sender()]);
} else {
  for (const path of process.argv.slice(4)) {
    const times: number[] = [];
    let total = '';
    for (let i = 0; i < 4; i++) {
      const t = performance.now();
      const res = await call('GET', path);
      times.push(performance.now() - t);
      total = `${res.status} total=${JSON.parse(res.text).meta?.pagination?.total}`;
    }
    console.log(path, total, times.map((t) => t.toFixed(0)).join(' '));
  }
}
