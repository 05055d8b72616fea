import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';

// What Node refuses before Fastify has a request (a body not arrived within REQUEST_TIMEOUT_MS,
// headers over 16 KB, malformed HTTP) is answered in the envelope with a catalogue code and an
// x-request-id: Fastify's default answer was {"error":"Request Timeout","message":"Client Timeout",
// "statusCode":408}, which neither the OpenAPI document nor docs/errors.md described (QA).
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp({ env: { REQUEST_TIMEOUT_MS: '1000' } });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => ctx.close());

/** Writes `raw` on a new connection and reads what comes back until the server closes it. */
async function exchange(raw: string) {
  const socket = connect((ctx.app.server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let answer = '';
  socket.on('data', (d) => { answer += d; });
  socket.on('error', () => {});
  socket.write(raw);
  await new Promise((r) => socket.once('close', r));
  return answer;
}

/** The answers in `text`, each its status line, its headers and its JSON body. */
function answers(text: string) {
  return text.split(/(?=HTTP\/1\.1 \d{3} )/).filter(Boolean).map((one) => {
    const [head, body] = one.split('\r\n\r\n');
    const headers = Object.fromEntries(head.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: Number(head.slice(9, 12)), headers, body: JSON.parse(body) };
  });
}

describe('a request Node refuses before routing', () => {
  it.each([
    ['a body that does not arrive in time', 'POST /api/v1/partner/stores/catalog/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{', 408, 'REQ_007'],
    ['headers over 16 KB', `GET /api/v1/pim/products?q=${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'REQ_008'],
    ['a Content-Length that is not a number', 'POST /api/v1/pim/bulk-jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'REQ_009'],
    ['a space in the request target', 'GET /api/v1/pim/pro ducts HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'REQ_009'],
  ])('answers %s in the envelope, with its code and x-request-id', async (_what, raw, status, code) => {
    const [answer, ...more] = answers(await exchange(raw as string));
    expect(more).toEqual([]);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.body).toMatchObject({ success: false, error: { code, message: expect.any(String), details: { hint: expect.any(String) } } });
    expect(answer.headers['x-request-id']).toBe(answer.body.requestId);
  });

  it('writes nothing more when the request was answered before its body came (a refused signature: a 401, then no 408)', async () => {
    const got = answers(await exchange('POST /api/v1/pim/bulk-jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'
      .replace('Host: x\r\n', 'Host: x\r\nAuthorization: Bearer wrong\r\nX-Tenant-ID: t\r\nX-Org-ID: o\r\n')));
    expect(got.map((a) => a.status)).toEqual([401]);
  });

  it('answers nothing in place of a whole request pipelined before a malformed one (a REQ_009 took its place; review)', async () => {
    const got = await exchange('GET /ready HTTP/1.1\r\nHost: x\r\n\r\nGET /a b HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answers(got).map((a) => a.body.error?.code)).not.toContain('REQ_009');
  });
});
