import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';

const Product = Type.Object({
  externalId: Type.String({ maxLength: 255 }),
  name: Type.String({ maxLength: 255 }),
  price: Type.Number({ minimum: 0 }),
}, { additionalProperties: false });
const Body = Type.Object({ products: Type.Array(Product) }, { additionalProperties: false });
const URL = '/api/v1/partner/stores/test-validate';
const run = promisify(execFile);

let ctx: TestContext;
let store: TestStore;
beforeAll(async () => {
  ctx = await createTestApp({
    env: { BODY_LIMIT_BYTES: '2048' },
    extend: (app) => {
      app.post(URL, { config: { auth: 'store' }, schema: { body: Body } }, async () => ({ ok: true }));
      app.post(`${URL}-no-body`, { config: { auth: 'store' } }, async () => ({ ok: true }));
    },
  });
  store = await createTestStore(ctx);
});
afterAll(() => ctx.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('response envelope', () => {
  it('success: success, message, requestId (echoed in x-request-id), meta.timestamp/durationMs, data', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/health' });
    const body = res.json();
    expect(body).toMatchObject({ success: true, message: 'OK', data: { status: 'ok' } });
    expect(body.requestId).toMatch(UUID);
    expect(res.headers['x-request-id']).toBe(body.requestId);
    expect(new Date(body.meta.timestamp).toISOString()).toBe(body.meta.timestamp);
    expect(Number.isInteger(body.meta.durationMs)).toBe(true);
  });

  it('gives every request an id of its own, whatever x-request-id the caller sent (it finds batches: two requests sharing one hid the first)', async () => {
    const id = '6f805723-2f81-463e-b065-630c51d0e682';
    const ids = [];
    for (const given of [id, id, 'nope']) {
      const res = await ctx.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': given } });
      expect(res.json().requestId).toMatch(UUID);
      expect(res.headers['x-request-id']).toBe(res.json().requestId);
      ids.push(res.json().requestId);
    }
    expect(new Set([...ids, id]).size).toBe(4);
  });

  it('error: success false, error {code, message, details {timestamp, hint, context}}, requestId', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/nowhere?x=1' });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'requestId', 'success']);
    expect(body.error).toEqual({ code: 'REQ_004', message: 'Route not found', details: { timestamp: expect.any(String), hint: expect.any(String), context: { method: 'GET', path: '/api/v1/nowhere' } } });
    expect(res.headers['x-request-id']).toBe(body.requestId);
  });

  it('REQ_006 in the envelope for a URL Fastify cannot route: a path parameter over 200 UTF-16 units, bad percent-encoding', async () => {
    for (const url of [`/api/v1/partner/stores/batches/pb_${'x'.repeat(220)}`, '/api/v1/partner/stores/batches/%E0%A4%A']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect([res.statusCode, res.json().error.code, res.json().success]).toEqual([400, 'REQ_006', false]);
      expect(res.json().error.details.context.reason).toEqual(expect.any(String));
      expect(res.headers['x-request-id']).toBe(res.json().requestId);
    }
  });

  it("a path the API reference's files refuse is REQ_004, as its other unknown paths (it was a 500, logged as an error)", async () => {
    for (const url of ['/docs/static/....//package.json', '/docs/static/%2e%2e/%2e%2e/package.json']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 404, 'REQ_004']);
    }
  });

  it('/ready reports the database', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/ready' });
    expect(res.json()).toMatchObject({ success: true, data: { status: 'ready', database: 'ok' } });
    // As many as migrations/ holds (it counted postgrator's version-0 row too: upgrade QA).
    const files = readdirSync(new globalThis.URL('../../migrations/', import.meta.url)).filter((f) => /^\d{4}\.do\..*\.sql$/.test(f));
    expect(res.json().data.migrations).toBe(files.length);
  });

  it('/ready is not ready while a migration of this build is pending (a database restored from an older backup: it said ready; QA)', async () => {
    const [last] = await ctx.sql`delete from schemaversion where version = (select max(version) from schemaversion) returning *`;
    try {
      const res = await ctx.app.inject({ method: 'GET', url: '/ready' });
      expect([res.statusCode, res.json().error.code, res.headers['retry-after']]).toEqual([503, 'SYS_002', '5']);
      expect(res.json().error.details.context.reason).toBe(`migrations pending: the database is at ${Number(last.version) - 1}, this build's go to ${Number(last.version)} (omni migrate)`);
    } finally {
      await ctx.sql`insert into schemaversion ${ctx.sql(last)}`;
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });
});

describe('body errors', () => {
  const post = (payload: string | Buffer, contentType = 'application/json') =>
    signedInject(ctx, store, { method: 'POST', url: URL, body: payload, headers: { 'content-type': contentType } });

  it('VAL_001 reproduces the seed example shape and wording', async () => {
    const res = await post(JSON.stringify({ products: [0, 1].map(() => ({ externalId: 7, name: 'Mug', price: 1, weight: 250 })) }));
    expect(res.statusCode).toBe(400);
    const row = { weight: 'property weight should not exist', externalId: 'externalId must be shorter than or equal to 255 characters, externalId must be a string' };
    expect(res.json().error).toMatchObject({
      code: 'VAL_001', message: 'Validation failed',
      details: { hint: 'Please check your request data and try again', context: { validationErrors: { products: { 0: row, 1: row } } } },
    });
  });

  it('VAL_001 wording: too long, wrong type, missing', async () => {
    const res = await post(JSON.stringify({ products: [{ externalId: 'x'.repeat(256), name: 'n', price: 'cheap' }, { externalId: 'e', price: 1 }] }));
    expect(res.json().error.details.context.validationErrors).toEqual({ products: {
      0: { externalId: 'externalId must be shorter than or equal to 255 characters', price: 'price must be a number conforming to the specified constraints' },
      1: { name: 'name should not be empty, name must be shorter than or equal to 255 characters, name must be a string' },
    } });
  });

  it('REQ_001 malformed JSON, REQ_005 empty body, REQ_002 wrong content type, REQ_003 too large: never a 500', async () => {
    const bad = await post('{"products": [');
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'REQ_001']);
    const empty = await post('');
    expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'REQ_005']);
    const text = await post('products=1', 'text/plain');
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'REQ_002']);
    const large = await post(JSON.stringify({ products: [{ externalId: 'x'.repeat(3000), name: 'n', price: 1 }] }));
    expect([large.statusCode, large.json().error.code]).toEqual([413, 'REQ_003']);
    expect(large.json().error.details.context).toEqual({ limitBytes: 2048 });
  });

  it('REQ_003 reaches a client still sending its body (fetch), declared or chunked, instead of a broken pipe', async () => {
    // Fastify answered a body over the limit unread and closed the connection, so a client in
    // another process, still writing the rest, failed with EPIPE (or ECONNRESET) and never saw
    // the 413 (in this process, fetch buffers the whole body before the server reads any).
    const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const client = `
      const big = Buffer.alloc(2_000_000, 'x');
      const chunked = () => new ReadableStream({ start(c) { for (let i = 0; i < big.length; i += 65536) c.enqueue(big.subarray(i, i + 65536)); c.close(); } });
      const out = [];
      for (let attempt = 0; attempt < 3; attempt++) for (const body of [big, chunked()]) {
        out.push(await fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' })
          .then(async (r) => r.status + ' ' + (await r.json()).error.code, (e) => String(e.cause?.code ?? e.message)));
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', client, `${address}${URL}`]);
    expect(JSON.parse(stdout)).toEqual(Array(6).fill('413 REQ_003'));
  });

  it('VAL_001 for text holding the NUL character, which PostgreSQL cannot store, with where it is', async () => {
    const res = await post(JSON.stringify({ products: [{ externalId: 'e', name: 'n', price: 1 }, { externalId: 'e\u0000', name: 'n', price: 1 }] }));
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VAL_001']);
    expect(res.json().error.details.context).toEqual({ validationErrors: { products: { 1: { externalId: 'externalId must not contain the NUL character (\\u0000)' } } } });
    const escaped = await post(JSON.stringify({ products: [{ externalId: 'e\\u0000', name: 'n', price: 1 }] }));
    expect(escaped.json()).toEqual({ ok: true });
  });

  it('REQ_001 for a body that is not UTF-8 (latin1 "Café"), which was read with U+FFFD in place of its bytes and stored so', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"products":[{"externalId":"e","name":"Caf'), Buffer.from([0xe9]), Buffer.from('","price":1}]}')]);
    const res = await post(latin1);
    expect([res.statusCode, res.json().error.code, res.json().error.details.context]).toEqual([400, 'REQ_001', { reason: 'the body is not valid UTF-8: JSON bodies are UTF-8 (RFC 8259)' }]);
    expect((await post(JSON.stringify({ products: [{ externalId: 'e', name: 'Café 😀', price: 1 }] }))).json()).toEqual({ ok: true });
  });

  it('a byte order mark before the JSON is ignored (RFC 8259), and REQ_001 never quotes half of a surrogate pair (Unicode QA)', async () => {
    const json = JSON.stringify({ products: [{ externalId: 'e', name: 'Café', price: 1 }] });
    expect((await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]))).json()).toEqual({ ok: true });
    // V8 quotes the text around the fault, cut by UTF-16 units: every other offset cut an emoji in two.
    for (let n = 10; n < 16; n++) {
      const res = await post(`{"products":[{"name":${'😀'.repeat(n)}}]}`);
      const raw = res.rawPayload.toString('utf8');
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'REQ_001']);
      expect(raw).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\udc)|\uFFFD\uFFFD/i);
      expect(res.json().error.details.context.reason).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('REQ_002 for a compressed body or a UTF-16 charset, which were read as they came (a gzip body "not UTF-8", a plain one labelled gzip taken; QA)', async () => {
    const json = JSON.stringify({ products: [{ externalId: 'e', name: 'n', price: 1 }] });
    const encoded = (coding: string, body: string | Buffer = json) =>
      signedInject(ctx, store, { method: 'POST', url: URL, body, headers: { 'content-type': 'application/json', 'content-encoding': coding } });
    for (const [res, coding] of [[await encoded('gzip', gzipSync(json)), 'gzip'], [await encoded('gzip'), 'gzip'], [await encoded('br, gzip'), 'br, gzip']] as const) {
      expect([res.statusCode, res.json().error.code, res.json().error.details.context])
        .toEqual([415, 'REQ_002', { allowed: ['application/json'], contentEncoding: coding, reason: 'the body must be sent uncompressed (no Content-Encoding)' }]);
    }
    expect((await encoded('Identity')).json()).toEqual({ ok: true });
    const utf16 = await post(Buffer.from(json, 'utf16le'), 'application/json; charset=UTF-16');
    expect([utf16.statusCode, utf16.json().error.code, utf16.json().error.details.context])
      .toEqual([415, 'REQ_002', { allowed: ['application/json'], charset: 'UTF-16', reason: 'JSON bodies are UTF-8 (RFC 8259)' }]);
    // An operation without a body, sent none, is not refused for the header (review).
    const none = await signedInject(ctx, store, { method: 'POST', url: `${URL}-no-body`, body: '', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect([none.statusCode, none.json()]).toEqual([200, { ok: true }]);
    // Other labels, as clients send by default, are ignored: the bytes are checked as UTF-8.
    expect((await post(json, 'application/json; charset=ISO-8859-1')).json()).toEqual({ ok: true });
  });

  it('a valid body passes', async () => {
    const res = await post(JSON.stringify({ products: [{ externalId: 'e', name: 'n', price: 1 }] }));
    expect(res.json()).toEqual({ ok: true });
  });
});

describe('operations endpoints', () => {
  it('OpenAPI 3.1 generated from the route schemas, with the envelope', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const op = doc.paths['/api/v1/partner/stores/warehouses'].get;
    expect(op.responses['200'].content['application/json'].schema.properties.data.type).toBe('array');
    expect(JSON.stringify(op.responses['401'])).toContain('ErrorEnvelope');
  });
  it('/docs serves the interactive reference', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
  it('/metrics exposes Prometheus metrics including HTTP durations', async () => {
    await ctx.app.inject({ method: 'GET', url: '/health' });
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    // Durations as a histogram (it adds up across processes); the summary is declared but never observed.
    expect(res.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/health"[^}]*\} [1-9]/);
    expect(res.body).not.toMatch(/http_request_summary_seconds_count\{/);
    expect(res.body).toContain('process_resident_memory_bytes');
  });
  it('/metrics counts requests no route matched, under one label (a 404 is no new series)', async () => {
    for (const url of ['/nope', '/api/v1/partner/nothing-here?x=1', '/wp-login.php']) await ctx.app.inject({ method: 'GET', url });
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="__unmatched__",status_code="404"\} [3-9]/);
    expect(res.body).not.toContain('wp-login');
  });
  it('/metrics counts HEAD and OPTIONS requests too (fastify-metrics left them out by default)', async () => {
    await ctx.app.inject({ method: 'HEAD', url: '/health' });
    await ctx.app.inject({ method: 'OPTIONS', url: '/nothing-here' });
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="HEAD",route="\/health",status_code="200"\} [1-9]/);
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="OPTIONS",route="__unmatched__",status_code="404"\} [1-9]/);
  });
});

describe('OpenAPI documents the signed-request headers', () => {
  it('store routes list their headers, partner routes theirs; x-signature is the security scheme', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const names = (op: any) => op.parameters.filter((p: any) => p.in === 'header').map((p: any) => p.name).sort();
    expect(names(doc.paths['/api/v1/partner/stores/warehouses'].get)).toEqual(['x-partner-client-id', 'x-store-client-id', 'x-store-token', 'x-timestamp']);
    expect(names(doc.paths['/api/v1/partner/stores'].get)).toEqual(['x-partner-client-id', 'x-timestamp']);
    expect(doc.components.securitySchemes.partnerSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-signature' });
    expect(doc.paths['/api/v1/partner/stores'].get.security).toEqual([{ partnerSignature: [] }]);
  });
});
