import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createTestApp, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
let app: Awaited<ReturnType<typeof buildApp>>;
const lines: Record<string, any>[] = [];
beforeAll(async () => {
  ctx = await createTestApp();
  // As `omni serve` logs: its pino instance at info.
  app = await buildApp(ctx.deps, { loggerInstance: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)); } }) });
  await app.ready();
});
afterAll(async () => { await app.close(); await ctx.close(); });

describe('the request log', () => {
  it('leaves out an export link\'s signature, which downloads the catalog without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/exports/00000000-0000-4000-8000-000000000001/00000000-0000-4000-8000-000000000002/products.ndjson?expires=4102444800&signature=SEKRET-sig_value' });
    expect(res.json().error.code).toBe('PIM_008');
    const mine = lines.filter((l) => l.reqId === res.headers['x-request-id']);
    expect(JSON.stringify(mine)).not.toContain('SEKRET');
    expect(mine.find((l) => l.msg === 'incoming request')?.req.url).toBe('/exports/00000000-0000-4000-8000-000000000001/00000000-0000-4000-8000-000000000002/products.ndjson?expires=4102444800&signature=[redacted]');
    // Nor when no route matches it (a doubled slash: a 404 still logs its request line), nor with its name escaped.
    for (const url of ['//exports/a/b/products.ndjson?expires=1&signature=SEKRET-2', '/exports/a/b/products.ndjson/?%73ignature=SEKRET-3&expires=1']) {
      const other = await app.inject({ method: 'GET', url });
      const logged = lines.filter((l) => l.reqId === other.headers['x-request-id']);
      expect(JSON.stringify(logged)).not.toContain('SEKRET');
      expect(logged.find((l) => l.msg === 'incoming request')?.req.url).toContain('=[redacted]');
    }
  });

  it('logs the caller\'s x-request-id beside Omni\'s own request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'erp-run-42/item-7' } });
    expect(res.headers['x-request-id']).not.toBe('erp-run-42/item-7');
    const line = lines.find((l) => l.reqId === res.headers['x-request-id'] && l.msg === 'incoming request');
    expect(line?.req.clientRequestId).toBe('erp-run-42/item-7');
  });

  it('says why a request was refused, and whose it was (never its token or signature)', async () => {
    const res = await app.inject({
      method: 'GET', url: '/api/v1/partner/stores/products',
      headers: { 'x-partner-client-id': 'ptnr_nobody', 'x-store-client-id': 'str_none', 'x-store-token': 'stkn_SECRET', 'x-signature': 'a'.repeat(64), 'x-timestamp': String(Date.now()) },
    });
    expect(res.statusCode).toBe(401);
    const refused = lines.find((l) => l.reqId === res.headers['x-request-id'] && l.msg === 'request refused');
    expect(refused).toMatchObject({ level: 30, code: res.json().error.code, partnerClientId: 'ptnr_nobody', storeClientId: 'str_none' });
    expect(JSON.stringify(lines)).not.toContain('stkn_SECRET');
    const missing = await app.inject({ method: 'GET', url: '/api/v1/partner/nothing', headers: { 'x-partner-client-id': 'ptnr_lost' } });
    expect(lines.find((l) => l.reqId === missing.headers['x-request-id'] && l.msg === 'request refused')).toMatchObject({ code: 'REQ_004', partnerClientId: 'ptnr_lost' });
  });
});
