import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMEOUT_MS, PartnerClient } from './client.js';
import { PartnerApiError, PartnerNetworkError } from './errors.js';

/** What the client does with answers that are not the API's, and with no answer (the SDK-over-a-faulty-network QA). */
const credentials = { partnerClientId: 'ptnr_x', partnerSecret: 'psk_x', storeClientId: 'str_x', storeToken: 'stkn_x' };
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const COMPLETED = { success: true, data: { status: 'COMPLETED', rows: [] }, meta: { pagination: { totalPages: 1 } } };
const UNAVAILABLE = { success: false, error: { code: 'SYS_002', message: 'Service temporarily unavailable', details: { timestamp: 't', hint: 'h', context: {} } }, requestId: 'r' };
/** A fetch answering from a list: a Response, or an Error thrown as fetch throws one. */
const scripted = (answers: (Response | Error)[]) => {
  const calls: RequestInit[] = [];
  const fetchImpl = (async (_url: URL, init: RequestInit) => {
    calls.push(init);
    const next = answers.shift()!;
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
};
const reset = () => new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });

const servers: Server[] = [];
const listen = async (handler: (req: IncomingMessage, body: string) => [number, Record<string, string>, string]) => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; }).on('end', () => { const [status, headers, text] = handler(req, body); res.writeHead(status, headers).end(text); });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
};
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve)))); });

describe('PartnerClient over a faulty network', () => {
  it('follows no redirect: the signed request and the store token stay home, and call says why it stopped', async () => {
    const elsewhere: IncomingMessage[] = [];
    const other = await listen((req) => { elsewhere.push(req); return [200, { 'content-type': 'application/json' }, '{"success":true}']; });
    const omni = await listen(() => [307, { location: `${other}/leak` }, '']);
    const client = new PartnerClient(omni, credentials);
    await expect(client.call('postPartnerStoresCatalogSync', { body: { products: [] } } as any)).rejects.toThrow(
      `HTTP 307 to ${other}/leak: the client follows no redirect (it would carry the signed headers and store token there); give it the base URL the API answers at`);
    expect((await client.post('/api/v1/partner/stores/catalog/sync', { products: [] })).status).toBe(307);
    expect(elsewhere).toHaveLength(0);
  });

  it('call throws for a 2xx that is no envelope of the API (a portal\'s page, an answer cut short) instead of resolving to its text', async () => {
    for (const [body, type] of [['<html>portal</html>', 'text/html'], ['{"success":true,"data":{"batc', 'application/json']]) {
      const { fetchImpl } = scripted([new Response(body, { status: 200, headers: { 'content-type': type } })]);
      const error = await new PartnerClient('https://omni.example', credentials, fetchImpl).call('postPartnerStoresCatalogSync', { body: { products: [] } } as any).catch((e) => e);
      expect([error instanceof PartnerApiError, error.code, error.message, error.body])
        .toEqual([true, 'HTTP_200', "HTTP 200 without the API's JSON envelope (a proxy's page, or an answer cut short)", body]);
    }
  });

  it('waitForBatch waits out a 503 (Retry-After, else a backoff) and polls that got no answer, and gives up after five in a row', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      const { fetchImpl } = scripted([json(503, UNAVAILABLE, { 'retry-after': '0' }), reset(), json(503, UNAVAILABLE), reset(), json(200, COMPLETED), json(200, COMPLETED)]);
      const started = Date.now();
      const done = new PartnerClient('https://omni.example', credentials, fetchImpl).waitForBatch('pb_1');
      await vi.runAllTimersAsync();
      expect((await done).body.data.status).toBe('COMPLETED');
      // Its Retry-After (0), then 500 ms × 2^(tries so far): 1 s, 2 s, 4 s (it threw at the first 503 or reset).
      expect(Date.now() - started).toBe(7000);
      // Five unanswered reads in a row are asked again, the sixth throws; refusals waited out before them count none.
      const tooMany = () => json(429, { success: false }, { 'retry-after': '0' });
      const down = scripted([tooMany(), tooMany(), tooMany(), tooMany(), tooMany(), tooMany(), ...Array.from({ length: 7 }, reset)]);
      const failed = new PartnerClient('https://omni.example', credentials, down.fetchImpl).waitForBatch('pb_1').catch((e) => e);
      await vi.runAllTimersAsync();
      const error = await failed;
      expect([error instanceof PartnerNetworkError, error.code, down.calls.length]).toEqual([true, 'UND_ERR_SOCKET', 12]);
      expect(error.message).toBe('GET https://omni.example/api/v1/partner/stores/batches/pb_1?limit=1 failed: fetch failed (UND_ERR_SOCKET: other side closed)');
    } finally {
      vi.useRealTimers();
    }
  });

  it('waitForBatch throws for a poll answered 200 without the envelope or redirected, as call does (a portal\'s page was polled as a running batch until timeoutMs)', async () => {
    const portal = scripted([new Response('<html>portal</html>', { status: 200, headers: { 'content-type': 'text/html' } })]);
    await expect(new PartnerClient('https://omni.example', credentials, portal.fetchImpl).waitForBatch('pb_1', { timeoutMs: 60_000 }))
      .rejects.toThrow("HTTP 200 without the API's JSON envelope (a proxy's page, or an answer cut short)");
    const moved = scripted([new Response(null, { status: 301, headers: { location: 'https://elsewhere.example/' } })]);
    await expect(new PartnerClient('https://omni.example', credentials, moved.fetchImpl).waitForBatch('pb_1'))
      .rejects.toThrow('HTTP 301 to https://elsewhere.example/: the client follows no redirect');
  });

  it('refuses a timeoutMs no timer or fetch keeps (past 300 s, past 2^31 - 1 ms, not a whole number) when it is made', () => {
    for (const timeoutMs of [MAX_TIMEOUT_MS + 1, 3e9, Infinity, 1.5, 0, -1, Number.NaN]) {
      expect(() => new PartnerClient('https://omni.example', credentials, fetch, { timeoutMs }), String(timeoutMs))
        .toThrow(`timeoutMs must be a whole number of milliseconds from 1 to 300000, got ${timeoutMs}`);
    }
    expect(() => new PartnerClient('https://omni.example', credentials, fetch, { timeoutMs: MAX_TIMEOUT_MS })).not.toThrow();
  });
});
