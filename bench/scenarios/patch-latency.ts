import autocannon from 'autocannon';
import { signRequest } from '../../src/sdk/signing.js';
import type { BenchEnv } from '../lib/environment.js';
import type { Credentials } from '../lib/client.js';

/** PATCH /products/{id} at a fixed request rate (each request freshly signed), spread over many products. */
export async function patchLatency(env: BenchEnv, who: Credentials & { storeId: string }, rate: number, seconds: number) {
  const products = await env.sql<{ id: string }[]>`select id from products where store_id = ${who.storeId} and not has_variants limit 2000`;
  let n = 0;
  const result = await autocannon({
    url: env.baseUrl, connections: 20, overallRate: rate, duration: seconds,
    requests: [{
      method: 'PATCH',
      setupRequest: (req: any) => {
        const id = products[n++ % products.length].id;
        const path = `/api/v1/partner/stores/products/${id}`;
        const body = JSON.stringify({ name: `Renamed ${n}`, stock: n % 50 });
        const headers = signRequest({ secret: who.partnerSecret, method: 'PATCH', path, partnerClientId: who.partnerClientId, storeClientId: who.storeClientId, storeToken: who.storeToken, body });
        return { ...req, method: 'PATCH', path, body, headers: { ...headers, 'content-type': 'application/json' } };
      },
    }],
  });
  return {
    rate, seconds, requests: result.requests.total, non2xx: result.non2xx, errors: result.errors,
    p50Ms: result.latency.p50, p99Ms: result.latency.p99, maxMs: result.latency.max,
  };
}
