import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../helpers/free-port.js';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { createSeller } from '../../src/onboarding/sellers.js';
import { decryptJsonField, signRequest } from '../../src/sdk/index.js';


let ctx: TestContext;
let baseUrl: string;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
const callbacks: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  ctx = await createTestApp({ env: { PUBLIC_BASE_URL: baseUrl } });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  receiver = createServer((req, res) => { callbacks.push(req.url ?? ''); res.setHeader('content-type', 'text/html'); res.end('<h1>Connected</h1>'); });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`;
  // Debian's Chromium (README: `apt-get install -y chromium`; .ci/run installs it), or CHROMIUM_PATH.
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`the browser test needs Chromium at ${executablePath}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => receiver?.close(r));
  await ctx?.close();
});

/** A signed request over real HTTP, as a partner's integration makes it. */
async function call(who: { partnerClientId: string; partnerSecret: string; storeClientId?: string; storeToken?: string }, method: string, path: string) {
  const headers = signRequest({ secret: who.partnerSecret, method, path, partnerClientId: who.partnerClientId, storeClientId: who.storeClientId, storeToken: who.storeToken });
  const res = await fetch(`${baseUrl}${path}`, { method, headers });
  return { status: res.status, body: await res.json() as any };
}

/** Opens an onboarding session as the store's partner, over real HTTP. */
async function openSession(store: { partnerClientId: string; partnerSecret: string }) {
  const path = '/api/v1/partner/onboard/sessions';
  const body = JSON.stringify({ redirectUri: receiverUrl });
  const opened = await fetch(`${baseUrl}${path}`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', ...signRequest({ secret: store.partnerSecret, method: 'POST', path, partnerClientId: store.partnerClientId, body }) },
  });
  return (await opened.json() as any).data as { onboardUrl: string; sid: string };
}

describe('onboarding in a real browser', () => {
  it('two onboarding tabs of one browser each sign in: the cookie a sign-in issues is its session\'s own', async () => {
    const [a, b] = [await createTestStore(ctx, 0), await createTestStore(ctx, 0)];
    await createSeller(ctx.sql, { email: 'tab-a@shop.example', password: 'open sesame 42', storeClientId: a.storeClientId });
    await createSeller(ctx.sql, { email: 'tab-b@shop.example', password: 'open sesame 42', storeClientId: b.storeClientId });
    const context = await browser.newContext();
    try {
      const [tabA, tabB] = [await context.newPage(), await context.newPage()];
      // Both pages loaded first, as a seller opening two links does; then A signs in, then B with the form it has.
      await tabA.goto((await openSession(a)).onboardUrl);
      await tabB.goto((await openSession(b)).onboardUrl);
      for (const [tab, email] of [[tabA, 'tab-a@shop.example'], [tabB, 'tab-b@shop.example']] as const) {
        await tab.fill('#email', email);
        await tab.fill('#password', 'open sesame 42');
        await tab.click('button[type=submit]');
        // With one cookie for every session, B's form failed its CSRF check once A had signed in (review).
        await tab.waitForSelector('text=Authorize access');
      }
      await tabA.check('input[name=consent]');
      await Promise.all([tabA.waitForURL(`${receiverUrl}?sid=*`), tabA.click('button[value=authorize]')]);
      await tabB.check('input[name=consent]');
      await Promise.all([tabB.waitForURL(`${receiverUrl}?sid=*`), tabB.click('button[value=authorize]')]);
      expect(callbacks.filter((u) => u.startsWith('/callback'))).toHaveLength(2);
    } finally {
      await context.close();
      callbacks.splice(0);
    }
  }, 60_000);

  it('a seller connects their store; the partner gets a working credential', async () => {
    const store = await createTestStore(ctx, 1);
    await createSeller(ctx.sql, { email: 'owner@shop.example', password: 'open sesame 42', storeClientId: store.storeClientId });
    const partner = { partnerClientId: store.partnerClientId, partnerSecret: store.partnerSecret };

    const path = '/api/v1/partner/onboard/sessions';
    const body = JSON.stringify({ redirectUri: receiverUrl });
    const opened = await fetch(`${baseUrl}${path}`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', ...signRequest({ secret: partner.partnerSecret, method: 'POST', path, partnerClientId: partner.partnerClientId, body }) },
    });
    expect(opened.status).toBe(201);
    const { onboardUrl, sid } = (await opened.json() as any).data;

    const page = await browser.newPage();
    await page.goto(onboardUrl);
    await page.fill('#email', 'owner@shop.example');
    await page.fill('#password', 'open sesame 42');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Authorize access');
    expect(await page.textContent('body')).toContain('Test Store');
    await page.selectOption('#period', '180');
    await page.check('input[name=consent]');
    await Promise.all([page.waitForURL(`${receiverUrl}?sid=*`), page.click('button[value=authorize]')]);
    expect(await page.textContent('h1')).toBe('Connected');
    const returned = new URL(page.url()).searchParams.get('sid');
    expect(returned).toBe(sid);
    expect(callbacks.filter((u) => u.startsWith('/callback'))).toEqual([`/callback?sid=${sid}`]);

    const access = await call(partner, 'GET', `/api/v1/partner/onboard/store-access?sid=${returned}`);
    expect(access.status).toBe(200);
    const credential = decryptJsonField<any>(access.body.data.storeAccess, store.partnerEncryptionKey);
    expect(credential.storeClientId).toBe(store.storeClientId);
    expect(Math.round((Date.parse(credential.expiresAt) - Date.now()) / 86400000)).toBe(180);

    const catalog = await call({ ...partner, storeClientId: credential.storeClientId, storeToken: credential.storeToken }, 'GET', '/api/v1/partner/stores/products');
    expect(catalog.status).toBe(200);
    expect(catalog.body.success).toBe(true);
  }, 60_000);
});
