import { signRequest } from '../../src/sdk/signing.js';

export interface Credentials { partnerClientId: string; partnerSecret: string; storeClientId: string; storeToken: string }

export interface SignedRequest { method: string; path: string; payload?: string; headers: Record<string, string> }

/** A request serialised and signed, ready to send (a signature stays valid for 300 s). */
export function signedRequest(who: Credentials, method: string, path: string, body?: unknown): SignedRequest {
  return signPayload(who, method, path, body === undefined ? undefined : JSON.stringify(body));
}

function signPayload(who: Credentials, method: string, path: string, payload?: string): SignedRequest {
  const headers = signRequest({
    secret: who.partnerSecret, method, path, partnerClientId: who.partnerClientId,
    storeClientId: who.storeClientId, storeToken: who.storeToken, body: payload,
  });
  return { method, path, payload, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } };
}

export interface SerialisedRequest { method: string; path: string; payload: string }

/** A request's body serialised ahead of time; it is signed when sent (sendSerialised), so a long run never sends a stale signature. */
export const serialisedRequest = (method: string, path: string, body: unknown): SerialisedRequest => ({ method, path, payload: JSON.stringify(body) });

/** Signs and sends a serialised request; returns its status and the latency in ms (the body is read, not parsed). */
export async function sendSerialised(baseUrl: string, who: Credentials, r: SerialisedRequest) {
  const req = signPayload(who, r.method, r.path, r.payload);
  const started = performance.now();
  const res = await fetch(`${baseUrl}${req.path}`, { method: req.method, body: req.payload, headers: req.headers });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
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
