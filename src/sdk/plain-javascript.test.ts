import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BUILD = fileURLToPath(new URL('../../bin/build-sdk.js', import.meta.url));
let dir: string | undefined;
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

// Vector 2 of shared/spec/partner-auth.md.
const SIGN = `signRequest({ secret: 'test_secret_key', method: 'POST', path: '/partner/onboard/sessions', partnerClientId: 'ptnr_1s4UqMnO64',
  timestamp: 1709024577000, body: '{"redirectUri":"https://bigseller.com/login/email-login?redirect=/shopset/toco"}' })['x-signature']`;
const VECTOR_2 = 'sha256=3e95f99628d0da6889febcac9c76a3071bcef7eb0a7590abccd2de537f395235';

describe('the SDK from plain JavaScript (npm run build:sdk)', () => {
  it('builds into a folder that an ES module imports and a CommonJS file loads with import()', async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-sdk-js-'));
    await run(process.execPath, [BUILD, join(dir, 'omni-sdk')]);
    await writeFile(join(dir, 'app.mjs'), `import { PartnerClient, signRequest } from './omni-sdk/index.js';
const sent = [];
const omni = new PartnerClient('https://omni.example', { partnerClientId: 'ptnr_x', partnerSecret: 'psk_x', storeClientId: 'str_x', storeToken: 'stkn_x' },
  async (url, init) => { sent.push(init.headers); return new Response('{"success":true}', { headers: { 'content-type': 'application/json' } }); });
const res = await omni.forPartner().get('/api/v1/partner/webhooks/endpoints');
console.log(JSON.stringify({ signature: ${SIGN}, status: res.status, body: res.body, headers: Object.keys(sent[0]).sort() }));
`);
    // A CommonJS project (no "type": "module" around it).
    await writeFile(join(dir, 'package.json'), '{"name":"partner-app"}');
    await writeFile(join(dir, 'app.js'), `import('./omni-sdk/index.js').then(({ signRequest }) => console.log(${SIGN}));\n`);
    const esm = JSON.parse((await run(process.execPath, [join(dir, 'app.mjs')], { cwd: dir })).stdout);
    expect(esm).toEqual({ signature: VECTOR_2, status: 200, body: { success: true }, headers: ['x-partner-client-id', 'x-signature', 'x-timestamp'] });
    expect((await run(process.execPath, [join(dir, 'app.js')], { cwd: dir })).stdout.trim()).toBe(VECTOR_2);
  }, 60_000);
});
