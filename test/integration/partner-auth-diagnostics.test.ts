import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, type TestContext, type TestStore } from '../helpers/test-app.js';
import { buildBaseString, sha256Hex, signRequest } from '../../src/sdk/signing.js';

/** What an error envelope tells a partner whose request failed authentication, beyond the seeds' context. */
let ctx: TestContext;
let store: TestStore;

beforeAll(async () => {
  ctx = await createTestApp({ extend: (app) => app.post('/api/v1/partner/stores/test-echo', { config: { auth: 'store' } }, async (req) => ({ body: req.body })) });
  store = await createTestStore(ctx);
});
afterAll(() => ctx.close());

const errorOf = (res: { json(): any }) => res.json().error;

describe('AUTH_010 shows the string the server signed', () => {
  it('on a store route: every line as sent, the store token as a placeholder, the body hash of the bytes received', async () => {
    const url = '/api/v1/partner/stores/test-echo?b=2&a=1';
    const sent = '{"a": 1}';
    const headers = signRequest({ secret: store.partnerSecret, method: 'POST', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, body: sent });
    // The partner signed '{"a": 1}' but its HTTP client sent other bytes.
    const received = '{"a":1}';
    const res = await ctx.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: received });
    expect(res.statusCode).toBe(401);
    const err = errorOf(res);
    expect(err).toMatchObject({ code: 'AUTH_010', message: 'Invalid signature', details: { hint: 'Invalid HMAC signature', context: { partnerClientId: store.partnerClientId } } });
    expect(err.details.context.stringToSign).toBe([
      'POST', '/partner/stores/test-echo?b=2&a=1', `x-partner-client-id:${store.partnerClientId}`, `x-store-client-id:${store.storeClientId}`,
      'x-store-token:<as sent>', `x-timestamp:${headers['x-timestamp']}`, sha256Hex(received),
    ].join('\n'));
    // The partner's own base string differs in the body hash line alone.
    const theirs = buildBaseString({ method: 'POST', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: '<as sent>', timestamp: headers['x-timestamp'], body: sent }).split('\n');
    const ours = err.details.context.stringToSign.split('\n');
    expect(ours.filter((line: string, i: number) => line !== theirs[i])).toEqual([sha256Hex(received)]);
  });

  it('never echoes a credential: neither the store token nor the partner secret', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/partner/stores/warehouses', headers: signRequest({ secret: 'a-wrong-secret', method: 'GET', path: '/api/v1/partner/stores/warehouses', partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken }) });
    expect(errorOf(res).code).toBe('AUTH_010');
    expect(res.body).not.toContain(store.storeToken);
    expect(res.body).not.toContain(store.partnerSecret);
    expect(res.body).not.toContain('a-wrong-secret');
  });

  it('on a partner route: no store lines, the path without /api/v1, the empty body hash', async () => {
    const url = '/api/v1/partner/webhooks/endpoints';
    const headers = signRequest({ secret: 'a-wrong-secret', method: 'GET', path: url, partnerClientId: store.partnerClientId });
    const err = errorOf(await ctx.app.inject({ method: 'GET', url, headers }));
    expect(err.code).toBe('AUTH_010');
    expect(err.details.context.stringToSign).toBe(`GET\n/partner/webhooks/endpoints\nx-partner-client-id:${store.partnerClientId}\nx-timestamp:${headers['x-timestamp']}\n${sha256Hex('')}`);
  });
});

describe('AUTH_010 of a signature that is not 64 lower-case hex digits', () => {
  it('says what the value holds: upper-case hex or base64 of the right HMAC; a well-formed wrong one has no reason', async () => {
    const url = '/api/v1/partner/stores/warehouses';
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken });
    const hex = headers['x-signature'].replace(/^sha256=/, '');
    const reasonOf = async (signature: string) => {
      const res = await ctx.app.inject({ method: 'GET', url, headers: { ...headers, 'x-signature': signature } });
      expect(errorOf(res).code, signature).toBe('AUTH_010');
      return errorOf(res).details.context.reason;
    };
    expect((await ctx.app.inject({ method: 'GET', url, headers })).statusCode).toBe(200);
    expect(await reasonOf(`sha256=${hex.toUpperCase()}`)).toBe('x-signature must be the HMAC-SHA256 as 64 lower-case hex digits, with or without sha256= before them; it holds upper-case hex');
    expect(await reasonOf(`sha256=${Buffer.from(hex, 'hex').toString('base64')}`))
      .toBe('x-signature must be the HMAC-SHA256 as 64 lower-case hex digits, with or without sha256= before them; it holds 44 characters, not all hex digits (base64?)');
    expect(await reasonOf(hex.slice(0, 40))).toBe('x-signature must be the HMAC-SHA256 as 64 lower-case hex digits, with or without sha256= before them; it holds 40 hex digits');
    expect(await reasonOf(`sha256=${'0'.repeat(64)}`)).toBeUndefined();
  });
});

describe('AUTH_010 of a GET signed with the body it sent', () => {
  it('says that a GET body is not read, and that the empty body\'s hash signs it', async () => {
    const url = '/api/v1/partner/stores/warehouses';
    const body = '{"page":1}';
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, body });
    const err = errorOf(await ctx.app.inject({ method: 'GET', url, headers: { ...headers, 'content-type': 'application/json' }, payload: body }));
    expect(err.code).toBe('AUTH_010');
    expect(err.details.context.reason).toBe("this GET request sent a body, which is not read: its signature covers the empty body's hash (the last line of stringToSign)");
    expect(err.details.context.stringToSign.split('\n').at(-1)).toBe(sha256Hex(''));
    // Signed with the empty body's hash, the same GET passes.
    const fine = signRequest({ secret: store.partnerSecret, method: 'GET', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken });
    expect((await ctx.app.inject({ method: 'GET', url, headers: { ...fine, 'content-type': 'application/json' }, payload: body })).statusCode).toBe(200);
  });
});

describe('AUTH_003 says what is wrong with the timestamp', () => {
  const url = '/api/v1/partner/stores/warehouses';
  it('epoch seconds: a reason beside the seeds\' context, message and hint unchanged', async () => {
    const seconds = Math.floor(Date.now() / 1000);
    const headers = signRequest({ secret: store.partnerSecret, method: 'GET', path: url, partnerClientId: store.partnerClientId, storeClientId: store.storeClientId, storeToken: store.storeToken, timestamp: seconds });
    const res = await ctx.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode).toBe(401);
    const err = errorOf(res);
    expect(err).toMatchObject({ code: 'AUTH_003', message: 'Expired or invalid timestamp', details: { hint: 'Request timestamp must be within 300 seconds', context: { providedTimestamp: seconds } } });
    expect(Object.keys(err.details.context)).toEqual(['providedTimestamp', 'currentTime', 'ageSeconds', 'reason']);
    expect(err.details.context.reason).toMatch(/^x-timestamp looks like epoch seconds; send epoch milliseconds/);
  });
});

describe('AUTH_010 of a request signed the usual wrong ways', () => {
  it('names the mistake when the signature is that of the base string built so; any other wrong signature has no reason', async () => {
    const path = '/api/v1/partner/stores/products/bulk?dryRun=1';
    const body = JSON.stringify({ products: [] });
    const timestamp = String(Date.now());
    const sign = (lines: string[]) => createHmac('sha256', store.partnerSecret).update(lines.join('\n')).digest('hex');
    const lines = (method: string, signedPath: string, storeLines: boolean, bodyHash: string) => [method, signedPath, `x-partner-client-id:${store.partnerClientId}`,
      ...(storeLines ? [`x-store-client-id:${store.storeClientId}`, `x-store-token:${store.storeToken}`] : []), `x-timestamp:${timestamp}`, bodyHash];
    const reasonOf = async (signature: string) => {
      const res = await ctx.app.inject({
        method: 'POST', url: path, payload: body,
        headers: { 'content-type': 'application/json', 'x-partner-client-id': store.partnerClientId, 'x-store-client-id': store.storeClientId,
          'x-store-token': store.storeToken, 'x-timestamp': timestamp, 'x-signature': `sha256=${signature}` },
      });
      expect(errorOf(res).code, signature).toBe('AUTH_010');
      return errorOf(res).details.context.reason;
    };
    const right = ['/partner/stores/products/bulk?dryRun=1', sha256Hex(body)] as const;
    expect(await reasonOf(sign(lines('POST', `/api/v1${right[0]}`, true, right[1])))).toBe('the signature is of the path with /api/v1: PATH, the second line of stringToSign, is the path without it');
    expect(await reasonOf(sign(lines('POST', '/partner/stores/products/bulk', true, right[1])))).toBe('the signature is of the path without its query: PATH is the path and ?query exactly as sent');
    expect(await reasonOf(sign(lines('POST', '/api/v1/partner/stores/products/bulk', true, right[1]))))
      .toBe('the signature is of the path with /api/v1 and without its query: PATH is the path without /api/v1, and ?query exactly as sent');
    expect(await reasonOf(sign(lines('POST', right[0], false, right[1])))).toBe('the signature leaves out the x-store-client-id and x-store-token lines: a store route signs them, after x-partner-client-id');
    expect(await reasonOf(sign(lines('POST', right[0], true, sha256Hex(''))))).toBe('the signature is of an empty body: the last line is the SHA-256 of the body bytes as sent');
    expect(await reasonOf(sign(lines('post', right[0], true, right[1])))).toBe('the signature is of the method in lower case: METHOD is upper case');
    // Signed right but with another secret, or of another body: no reason to give beyond stringToSign.
    expect(await reasonOf(createHmac('sha256', 'another-secret').update(lines('POST', right[0], true, right[1]).join('\n')).digest('hex'))).toBeUndefined();
    expect(await reasonOf(sign(lines('POST', right[0], true, sha256Hex('{"products":[{}]}'))))).toBeUndefined();
  });
});
