import { signRequest } from '../../src/sdk/signing.js';
import type { BenchEnv } from '../lib/environment.js';
import type { Credentials } from '../lib/client.js';
import { openLoop } from '../lib/open-loop.js';

/**
 * PATCH /products/{id} at a fixed request rate (open loop, each request freshly
 * signed), spread over 2,000 products, after a few seconds at the same rate that
 * are not counted (connections opened, code warmed up).
 */
export async function patchLatency(env: BenchEnv, who: Credentials & { storeId: string }, rate: number, seconds: number) {
  const products = await env.sql<{ id: string }[]>`select id from products where store_id = ${who.storeId} and not has_variants limit 2000`;
  let n = 0;
  const next = () => {
    const id = products[n++ % products.length].id;
    const path = `/api/v1/partner/stores/products/${id}`;
    const body = JSON.stringify({ name: `Renamed ${n}`, stock: n % 50 });
    const headers = signRequest({ secret: who.partnerSecret, method: 'PATCH', path, partnerClientId: who.partnerClientId, storeClientId: who.storeClientId, storeToken: who.storeToken, body });
    return { method: 'PATCH', path, body, headers: { ...headers, 'content-type': 'application/json' } };
  };
  await openLoop(env.baseUrl, rate, Math.min(5, seconds), next);
  const result = await openLoop(env.baseUrl, rate, seconds, next);
  return { rate, duration: seconds, ...result };
}
