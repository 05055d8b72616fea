import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequests, openLoop } from './open-loop.js';

// A server that answers each request 2 ms after its body arrived: /bad with a 500,
// /chunked without a Content-Length (chunked), anything else with the body's length.
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => setTimeout(() => {
      if (req.url === '/chunked') { res.write('a'); res.end('b'); return; }
      const out = JSON.stringify({ got: body.length });
      res.writeHead(req.url === '/bad' ? 500 : 200, { 'content-length': Buffer.byteLength(out) });
      res.end(out);
    }, 2));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const requests = (path: string, n: number) => encodeRequests(base, Array.from({ length: n }, (_, i) => ({
  method: 'PATCH', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i, pad: 'é'.repeat(i % 50) }),
})));

describe('open-loop sender', () => {
  it('sends every request at its rate and times it to the end of its response', async () => {
    const r = await openLoop(base, 200, 1, requests('/ok', 200));
    expect(r).toMatchObject({ requests: 200, non2xx: 0, errors: 0 });
    // No response can come back sooner than the server's 2 ms.
    expect(r.p50Ms).toBeGreaterThanOrEqual(2);
    expect(r.seconds).toBeGreaterThanOrEqual(0.99);
  });

  it('counts non-2xx answers, and a response it cannot frame as an error', async () => {
    expect(await openLoop(base, 100, 0.5, requests('/bad', 50))).toMatchObject({ requests: 50, non2xx: 50, errors: 0 });
    expect(await openLoop(base, 100, 0.5, requests('/chunked', 50))).toMatchObject({ requests: 0, errors: 50 });
  });
});
