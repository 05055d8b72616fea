import { signRequest } from '../../src/sdk/signing.js';

export interface Credentials { partnerClientId: string; partnerSecret: string; storeClientId: string; storeToken: string }

/** One signed request; returns status, parsed body and the latency in ms. */
export async function signedFetch(baseUrl: string, who: Credentials, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest({
    secret: who.partnerSecret, method, path, partnerClientId: who.partnerClientId,
    storeClientId: who.storeClientId, storeToken: who.storeToken, body: payload,
  });
  const started = performance.now();
  const res = await fetch(`${baseUrl}${path}`, { method, body: payload, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } });
  const json = await res.json() as any;
  return { status: res.status, json, ms: performance.now() - started };
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < tasks.length) { const i = next++; results[i] = await tasks[i](); }
  }));
  return results;
}
