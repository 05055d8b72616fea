import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createTestApp, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
let app: Awaited<ReturnType<typeof buildApp>>;
const lines: Record<string, any>[] = [];
beforeAll(async () => {
  ctx = await createTestApp({ env: { REQUEST_TIMEOUT_MS: '1000' } });
  // As `omni serve` logs: its pino instance at info.
  app = await buildApp(ctx.deps, { loggerInstance: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)); } }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => { await app.close(); await ctx.close(); });

describe('REQUEST_TIMEOUT_MS', () => {
  it('answers 408 and closes the connection of a request whose body does not arrive in time (it was held for ever; QA)', async () => {
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    // The headers and one byte of a 100-byte body, then nothing: a slow client, anonymous.
    socket.write('POST /api/v1/partner/stores/catalog/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    let answer = '';
    socket.on('data', (d) => { answer += d; });
    const started = Date.now();
    await new Promise((r) => socket.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // Within the timeout and one check of Node's (REQUEST_TIMEOUT_MS / 4 here), not Fastify's default of never.
    expect(Date.now() - started).toBeLessThan(10_000);
    // A client's timeout, not the server's failure: no error line ("unhandled error" with the
    // body stream's "aborted", then "request failed SYS_001", were logged for each; QA).
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
  });
});
