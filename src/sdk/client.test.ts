import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PartnerClient } from './client.js';
import { PartnerApiError, PartnerBatchTimeoutError, PartnerNetworkError, PartnerTimeoutError } from './errors.js';
import { computeSignature } from './signing.js';
import { encryptField } from '../onboarding/encrypted-field.js';
import { randomBytes } from 'node:crypto';

const credentials = { partnerClientId: 'ptnr_x', partnerSecret: 'psk_x', storeClientId: 'str_x', storeToken: 'stkn_x' };

/** A fetch that records what it was sent and answers `body` with `contentType`. */
function answering(status: number, body: string, contentType: string) {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetchImpl = (async (url: URL, init: RequestInit) => {
    sent.push({ url: String(url), init });
    return new Response(body, { status, headers: { 'content-type': contentType } });
  }) as unknown as typeof fetch;
  return { sent, fetchImpl };
}

describe('PartnerClient', () => {
  it('signs the bytes it sends and returns the error envelope as it came', async () => {
    const envelope = { success: false, error: { code: 'PRD_001', message: 'Product not found', details: { timestamp: 't', hint: 'h', context: {} } }, requestId: 'r' };
    const { sent, fetchImpl } = answering(404, JSON.stringify(envelope), 'application/json; charset=utf-8');
    const res = await new PartnerClient('https://omni.example', credentials, fetchImpl).patch('/api/v1/partner/stores/products/p1?x=1', { name: 'n' });
    expect(res).toMatchObject({ status: 404, body: envelope });
    const headers = sent[0].init.headers as Record<string, string>;
    expect(headers['x-signature']).toBe(`sha256=${computeSignature('psk_x', {
      method: 'PATCH', path: '/api/v1/partner/stores/products/p1?x=1', ...credentials, timestamp: headers['x-timestamp'], body: sent[0].init.body as string,
    })}`);
  });

  it("sends under a base URL's path (a gateway's prefix) and signs the path Omni sees", async () => {
    for (const baseUrl of ['https://gw.example/omni', 'https://gw.example/omni/']) {
      const { sent, fetchImpl } = answering(200, '{}', 'application/json');
      await new PartnerClient(baseUrl, credentials, fetchImpl).get('/api/v1/partner/stores/warehouses?page=2');
      expect(sent[0].url).toBe('https://gw.example/omni/api/v1/partner/stores/warehouses?page=2');
      const headers = sent[0].init.headers as Record<string, string>;
      expect(headers['x-signature']).toBe(`sha256=${computeSignature('psk_x', {
        method: 'GET', path: '/api/v1/partner/stores/warehouses?page=2', ...credentials, timestamp: headers['x-timestamp'], body: '',
      })}`);
    }
  });

  it('waitForBatch waits out a poll refused for the request limit (429, Retry-After) and polls again; other refusals throw', async () => {
    const tooMany = () => new Response('{"success":false,"error":{"code":"REQ_010","message":"Too many requests","details":{"timestamp":"t","hint":"h","context":{}}}}',
      { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1' } });
    // Refused on a poll, then on the read of the ended batch's rows.
    const answers = [
      tooMany(),
      new Response('{"success":true,"data":{"status":"COMPLETED","rows":[]}}', { status: 200, headers: { 'content-type': 'application/json' } }),
      tooMany(),
      new Response('{"success":true,"data":{"status":"COMPLETED","rows":[]}}', { status: 200, headers: { 'content-type': 'application/json' } }),
    ];
    const at: number[] = [];
    const fetchImpl = (async () => { at.push(Date.now()); return answers.shift()!; }) as unknown as typeof fetch;
    const done = await new PartnerClient('https://omni.example', credentials, fetchImpl).waitForBatch('pb_1', { intervalMs: 10 });
    expect(done.body.data.status).toBe('COMPLETED');
    expect(at).toHaveLength(4);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(990);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(990);
    // A wait past the deadline, or a 429 without Retry-After, is thrown at once, as any other refusal.
    const refusing = (retryAfter?: string) => {
      const calls: number[] = [];
      const fetchImpl = (async () => {
        calls.push(Date.now());
        return new Response('{"success":false,"error":{"code":"REQ_010","message":"Too many requests","details":{"timestamp":"t","hint":"h","context":{}}}}',
          { status: 429, headers: { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) } });
      }) as unknown as typeof fetch;
      return { calls, client: new PartnerClient('https://omni.example', credentials, fetchImpl) };
    };
    for (const [retryAfter, timeoutMs] of [['5', 2000], [undefined, 2000]] as const) {
      const { calls, client } = refusing(retryAfter);
      await expect(client.waitForBatch('pb_1', { timeoutMs })).rejects.toMatchObject({ status: 429, code: 'REQ_010' });
      expect(calls).toHaveLength(1);
    }
  });

  it('takes a base URL ending in /api/v1, as the API pages write it, for call and waitForBatch as for a path without it', async () => {
    const { sent, fetchImpl } = answering(200, '{"success":true,"data":{"status":"COMPLETED"}}', 'application/json');
    const client = new PartnerClient('https://omni.example/api/v1', credentials, fetchImpl);
    await client.call('getPartnerStoresWarehouses');
    await client.waitForBatch('pb_1');
    await client.get('/partner/stores/warehouses');
    // Sent once under /api/v1 (it was /api/v1/api/v1/…: REQ_004), and signed as Omni sees it.
    expect(sent.map((s) => s.url)).toEqual(['https://omni.example/api/v1/partner/stores/warehouses',
      'https://omni.example/api/v1/partner/stores/batches/pb_1?limit=1', 'https://omni.example/api/v1/partner/stores/batches/pb_1?page=1&limit=1000',
      'https://omni.example/api/v1/partner/stores/warehouses']);
    const headers = sent[0].init.headers as Record<string, string>;
    expect(headers['x-signature']).toBe(`sha256=${computeSignature('psk_x', {
      method: 'GET', path: '/api/v1/partner/stores/warehouses', ...credentials, timestamp: headers['x-timestamp'], body: '',
    })}`);
  });

  it('call refuses a path parameter a URL cannot carry (. or ..) before sending, instead of reaching another route', async () => {
    const { sent, fetchImpl } = answering(200, '{"success":true}', 'application/json');
    const client = new PartnerClient('https://omni.example', credentials, fetchImpl);
    for (const sku of ['.', '..']) {
      await expect(client.call('getPartnerStoresProductsSkuBySku', { path: { sku } })).rejects.toThrow(/no URL can carry.*query \{ q: sku \}/);
    }
    // An empty one too: `/sku/` reached another route.
    await expect(client.call('getPartnerStoresProductsSkuBySku', { path: { sku: '' } })).rejects.toThrow(/path parameter sku is missing/);
    await client.call('getPartnerStoresProductsSkuBySku', { path: { sku: '...' } });
    expect(sent.map((s) => s.url)).toEqual(['https://omni.example/api/v1/partner/stores/products/sku/...']);
  });

  it('hands back a body that is not JSON as text instead of throwing', async () => {
    const { fetchImpl } = answering(502, '<html>Bad Gateway</html>', 'text/html');
    expect(await new PartnerClient('https://omni.example', credentials, fetchImpl).get('/api/v1/partner/stores/warehouses'))
      .toMatchObject({ status: 502, body: '<html>Bad Gateway</html>' });
  });

  it('hands back a body labelled JSON that does not parse as text too; call makes it a PartnerApiError', async () => {
    // A gateway that labels its error page application/json, or an answer cut short.
    const { fetchImpl } = answering(502, '<html>Bad Gateway</html>', 'application/json');
    const client = new PartnerClient('https://omni.example', credentials, fetchImpl);
    expect(await client.get('/api/v1/partner/stores/warehouses')).toMatchObject({ status: 502, body: '<html>Bad Gateway</html>' });
    await expect(client.call('getPartnerStoresWarehouses')).rejects.toMatchObject({ name: 'PartnerApiError', status: 502, code: 'HTTP_502', body: '<html>Bad Gateway</html>' });
  });

  it('deletes, signed without a body', async () => {
    const { sent, fetchImpl } = answering(200, '{"success":true}', 'application/json');
    await new PartnerClient('https://omni.example', credentials, fetchImpl).delete('/api/v1/partner/webhooks/endpoints/we_1');
    expect(sent[0].init).toMatchObject({ method: 'DELETE', body: undefined });
  });
});

describe('PartnerClient failures without an answer', () => {
  it('a connection failure is a PartnerNetworkError, no answer within timeoutMs a PartnerTimeoutError', async () => {
    const refused = (async () => { throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }); }) as unknown as typeof fetch;
    const error = await new PartnerClient('https://omni.example', credentials, refused).get('/api/v1/partner/stores/warehouses').catch((e) => e);
    expect(error).toBeInstanceOf(PartnerNetworkError);
    expect(error).toMatchObject({ method: 'GET', url: 'https://omni.example/api/v1/partner/stores/warehouses', cause: { message: 'fetch failed' } });
    // A server that never answers: fetch rejects only when the client's signal aborts it.
    const silent = ((_url: URL, init: RequestInit) => new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)))) as unknown as typeof fetch;
    const started = Date.now();
    const timeout = await new PartnerClient('https://omni.example', credentials, silent, { timeoutMs: 50 }).forPartner().call('getPartnerWebhooksEndpoints').catch((e) => e);
    expect(timeout).toBeInstanceOf(PartnerTimeoutError);
    expect(timeout).toMatchObject({ method: 'GET', timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('call: an answer that is not an envelope (a gateway page) is a PartnerApiError named by its status', async () => {
    const { fetchImpl } = answering(502, '<html>Bad Gateway</html>', 'text/html');
    await expect(new PartnerClient('https://omni.example', credentials, fetchImpl).call('getPartnerStoresWarehouses'))
      .rejects.toMatchObject({ name: 'PartnerApiError', status: 502, code: 'HTTP_502', body: '<html>Bad Gateway</html>' });
  });
});

describe('PartnerClient scopes', () => {
  it('forStoreAccess: a client for the store of an onboarding store access (ENCRYPTED:, decrypted with the partner key)', async () => {
    const key = randomBytes(32);
    const storeAccess = encryptField(JSON.stringify({ storeClientId: 'str_onboarded', storeName: 'S', storeToken: 'stkn_onboarded', expiresAt: null, warehouses: [] }), key);
    const { sent, fetchImpl } = answering(200, '{"success":true}', 'application/json');
    const partner = new PartnerClient('https://omni.example', { partnerClientId: 'ptnr_x', partnerSecret: 'psk_x' }, fetchImpl);
    await partner.forStoreAccess(storeAccess, key.toString('base64')).get('/api/v1/partner/stores/warehouses');
    const headers = sent[0].init.headers as Record<string, string>;
    expect(headers).toMatchObject({ 'x-partner-client-id': 'ptnr_x', 'x-store-client-id': 'str_onboarded', 'x-store-token': 'stkn_onboarded' });
    expect(headers['x-signature']).toBe(`sha256=${computeSignature('psk_x', {
      method: 'GET', path: '/api/v1/partner/stores/warehouses', partnerClientId: 'ptnr_x', storeClientId: 'str_onboarded', storeToken: 'stkn_onboarded', timestamp: headers['x-timestamp'],
    })}`);
    expect(() => partner.forStoreAccess(storeAccess, randomBytes(32).toString('base64'))).toThrow();
  });

  it('forPartner: the same partner without store headers, for partner-scoped routes (AUTH_004 with them)', async () => {
    const { sent, fetchImpl } = answering(200, '{"success":true}', 'application/json');
    await new PartnerClient('https://omni.example', credentials, fetchImpl).forPartner().get('/api/v1/partner/webhooks/endpoints');
    const headers = sent[0].init.headers as Record<string, string>;
    expect(Object.keys(headers).sort()).toEqual(['x-partner-client-id', 'x-signature', 'x-timestamp']);
    expect(headers['x-signature']).toBe(`sha256=${computeSignature('psk_x', {
      method: 'GET', path: '/api/v1/partner/webhooks/endpoints', partnerClientId: 'ptnr_x', timestamp: headers['x-timestamp'],
    })}`);
  });
});

describe('PartnerClient signs the vectors of shared/spec/partner-auth.md', () => {
  afterEach(() => { vi.useRealTimers(); });
  const vector3 = { partnerClientId: '2025112512510620439726', partnerSecret: 'omni_demo_secret_1', storeClientId: '638765489981529612495', storeToken: 'stkn_Dd26kxQ7obYAdAvo' };
  const signatureSent = async (creds: typeof credentials | Omit<typeof credentials, 'storeClientId' | 'storeToken'>, now: number, call: (c: PartnerClient) => Promise<unknown>) => {
    vi.useFakeTimers({ toFake: ['Date'], now });
    const { sent, fetchImpl } = answering(200, '{"success":true}', 'application/json');
    await call(new PartnerClient('https://omni.example', creds, fetchImpl));
    return (sent[0].init.headers as Record<string, string>)['x-signature'];
  };

  it('vector 2: POST of the body it serialises, partner-only', async () => {
    expect(await signatureSent({ partnerClientId: 'ptnr_1s4UqMnO64', partnerSecret: 'test_secret_key' }, 1709024577000,
      (c) => c.post('/api/v1/partner/onboard/sessions', { redirectUri: 'https://bigseller.com/login/email-login?redirect=/shopset/toco' })))
      .toBe('sha256=3e95f99628d0da6889febcac9c76a3071bcef7eb0a7590abccd2de537f395235');
  });

  it('vector 3: PATCH with store headers; vector 4: GET with a query string', async () => {
    expect(await signatureSent(vector3, 1758100350458, (c) => c.patch('/api/v1/partner/stores/inventory',
      { items: [{ sku: 'SKU-GRY-XL', stock: 200 }, { externalId: 'bee2f8e5-ed8c-4b8e-97dc-208e45521909', stock: 32 }] })))
      .toBe('sha256=aaa1888a1fca1ea7a12e367a1e65b428338199edcaeb4968e07141433c380de8');
    expect(await signatureSent(vector3, 1758100350458, (c) => c.get('/api/v1/partner/stores/products?page=2&limit=50')))
      .toBe('sha256=f4b05f4ed408bed22b616016947706cf5d6b073df3d569d6423c5e36b2621214');
  });

  it('vector 1: GET without a body', async () => {
    expect(await signatureSent({ partnerClientId: 'ptnr_1s4UqMnO64', partnerSecret: 'test_secret_key', storeClientId: 'str_TGIxyboe7-Rz', storeToken: 'stkn_1G_R3r_5QTvwr_0O' },
      1709024577000, (c) => c.get('/api/v1/partner/stores/catalog/02b65657-bfcd-47ba-9f91-ec67e7b5913e')))
      .toBe('sha256=fa63e929ba8ab04f0a6c8b781a8e25841b2028e01224f8016ab7591835ffa5f3');
  });
});

describe('PartnerClient.waitForBatch', () => {
  /**
   * A fetch that answers each status poll with the next of `statuses` (the last one for ever), and
   * a page of rows, once the batch ended, as the route pages `rows` rows.
   */
  const batchAnswers = (statuses: (string | number)[], rows = 3) => {
    const urls: string[] = [];
    let polls = 0;
    const fetchImpl = (async (url: URL) => {
      urls.push(String(url));
      const limit = Number(url.searchParams.get('limit'));
      const page = Number(url.searchParams.get('page') ?? 1);
      const next = statuses[Math.min(limit === 1 ? polls++ : polls - 1, statuses.length - 1)];
      const all = Array.from({ length: rows }, (_, rowIndex) => ({ rowIndex, status: 'SUCCEEDED' }));
      const body = typeof next === 'number' ? { success: false, error: { code: 'BAT_001' } } : {
        success: true, data: { batchId: 'pb_1', status: next, rows: all.slice((page - 1) * limit, page * limit) },
        meta: { pagination: { page, limit, total: rows, totalPages: Math.ceil(rows / limit) } },
      };
      return new Response(JSON.stringify(body), { status: typeof next === 'number' ? next : 200, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    return { urls, client: new PartnerClient('https://omni.example', credentials, fetchImpl) };
  };

  it('polls until the batch is COMPLETED or FAILED and returns that response, every row in it', async () => {
    const { urls, client } = batchAnswers(['PENDING', 'PROCESSING', 'FAILED']);
    expect(await client.waitForBatch('pb_1', { intervalMs: 1 })).toMatchObject({ status: 200, body: { data: { status: 'FAILED', rows: [{ rowIndex: 0 }, { rowIndex: 1 }, { rowIndex: 2 }] } } });
    const batch = 'https://omni.example/api/v1/partner/stores/batches/pb_1';
    expect(urls).toEqual([...Array(3).fill(`${batch}?limit=1`), `${batch}?page=1&limit=1000`]);
  });

  it('joins the pages of a batch with more rows than a page holds (it resolved to the first 100 rows: QA)', async () => {
    const { urls, client } = batchAnswers(['COMPLETED'], 2500);
    const done = await client.waitForBatch('pb_1', { intervalMs: 1 });
    expect(done.body.data.rows.map((r: { rowIndex: number }) => r.rowIndex)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(done.body.meta.pagination).toEqual({ page: 1, limit: 2500, total: 2500, totalPages: 1 });
    expect(urls.slice(1).map((u) => new URL(u).search)).toEqual(['?page=1&limit=1000', '?page=2&limit=1000', '?page=3&limit=1000']);
  });

  it('throws an error answer at once (PartnerApiError, as call does), and gives up after timeoutMs (PartnerBatchTimeoutError)', async () => {
    const refused = batchAnswers([404]);
    const err = await refused.client.waitForBatch('pb_x', { intervalMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartnerApiError);
    expect(err).toMatchObject({ status: 404, code: 'BAT_001' });
    expect(refused.urls).toHaveLength(1);
    const late = await batchAnswers(['PROCESSING']).client.waitForBatch('pb_1', { intervalMs: 5, timeoutMs: 20 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(PartnerBatchTimeoutError);
    expect(late).toMatchObject({ batchId: 'pb_1', status: 'PROCESSING', timeoutMs: 20, message: 'batch pb_1 still PROCESSING after 20 ms' });
  });
});

describe('the SDK', () => {
  // TypeScript's own scan of each file (every import and export … from, any quotes, import(),
  // require()), in every folder of src/sdk: what reaches outside it is server code or a package.
  const importsLeavingSdk = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .flatMap((f) => ts.preProcessFile(readFileSync(join(dir, f), 'utf8'), true, true).importedFiles.map(({ fileName }) => ({ f, fileName })))
    .filter(({ f, fileName }) => !fileName.startsWith('node:') && !(fileName.startsWith('.') && !relative(dir, resolve(dir, dirname(f), fileName)).startsWith('..')))
    .map(({ f, fileName }) => `${f}: ${fileName}`);

  it('imports nothing but itself and node: modules, so a partner can copy src/sdk alone', () => {
    expect(importsLeavingSdk(fileURLToPath(new URL('./', import.meta.url)))).toEqual([]);
  });

  it('the check sees every way of importing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdk-imports-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.ts'), `import "../errors/catalogue.js";\nexport * from './sub/b.js';\nimport { x } from 'node:crypto';\n`);
      writeFileSync(join(dir, 'sub/b.ts'), `export { y } from "../../db/database.js";\nconst z = require('postgres');\nawait import('./c.js');\nimport type { T } from '../a.js';\n`);
      writeFileSync(join(dir, 'a.test.ts'), `import { it } from 'vitest';\n`);
      expect(importsLeavingSdk(dir).sort()).toEqual(['a.ts: ../errors/catalogue.js', 'sub/b.ts: ../../db/database.js', 'sub/b.ts: postgres']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
