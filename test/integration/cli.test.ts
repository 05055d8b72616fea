import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { omni, omniJson, omniWithEnv } from '../helpers/cli.js';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

describe('omni admin CLI', () => {
  it('creates a partner and a store whose credentials work against the API', async () => {
    const partner = await omniJson('admin', 'partner', 'create', '--name', 'CLI Partner', '--webhook-url', 'https://example.test/hook');
    expect(Object.keys(partner).sort()).toEqual(['partnerClientId', 'partnerEncryptionKey', 'partnerSecret', 'webhookEndpointId', 'webhookSecret']);
    expect(Buffer.from(partner.partnerEncryptionKey, 'base64')).toHaveLength(32);
    expect(partner.webhookSecret).toMatch(/^whsec_/);
    const hook = await omniJson('admin', 'webhook', 'add', '--partner', partner.partnerClientId, '--url', 'https://example.test/stock', '--events', 'stock.update.completed');
    expect(hook).toMatchObject({ url: 'https://example.test/stock', eventTypes: ['stock.update.completed'] });
    const hooks = await omniJson('admin', 'webhook', 'list', '--partner', partner.partnerClientId);
    expect(hooks.endpoints.map((e: any) => e.id).sort()).toEqual([partner.webhookEndpointId, hook.id].sort());
    const store = await omniJson('admin', 'store', 'create', '--partner', partner.partnerClientId, '--name', 'CLI Store', '--warehouses', '3');
    expect(Object.keys(store).sort()).toEqual(['storeClientId', 'storeToken', 'warehouses']);
    expect(store.warehouses).toHaveLength(3);
    expect(store.warehouses[0]).toEqual({ clientId: expect.any(String), name: 'Warehouse 1' });

    const who = { ...partner, ...store, partnerId: '', storeId: '' };
    const res = await signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toHaveLength(3);

    const wh = await omniJson('admin', 'warehouse', 'add', '--store', store.storeClientId, '--name', 'Overflow');
    expect(wh).toEqual({ clientId: expect.stringMatching(/^wh_/), name: 'Overflow' });

    const rotated = await omniJson('admin', 'store', 'rotate-token', '--store', store.storeClientId);
    expect(rotated.storeToken).not.toBe(store.storeToken);
    expect((await signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })).statusCode).toBe(403);
    const fresh = { ...who, storeToken: rotated.storeToken };
    expect((await signedInject(ctx, fresh, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })).json().data).toHaveLength(4);

    expect(await omniJson('admin', 'store', 'block', '--store', store.storeClientId)).toEqual({ storeClientId: store.storeClientId, status: 'BLOCKED' });
    expect((await signedInject(ctx, fresh, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })).statusCode).toBe(403);
    await omniJson('admin', 'store', 'unblock', '--store', store.storeClientId);
    expect(await omniJson('admin', 'store', 'revoke-token', '--store', store.storeClientId)).toEqual({ storeClientId: store.storeClientId, revoked: 1 });
    expect((await signedInject(ctx, fresh, { method: 'GET', url: '/api/v1/partner/stores/warehouses' })).statusCode).toBe(403);
  });

  it('seeds the taxonomy idempotently and reports its ids', async () => {
    const first = await omniJson('admin', 'taxonomy', 'seed');
    expect(first.categories).toContain('2fde2994-28a8-4d09-a128-6d744b9e1323');
    expect(await omniJson('admin', 'taxonomy', 'seed')).toEqual(first);
  });

  it('errors go to stderr with a non-zero exit and nothing on stdout', async () => {
    const res = await omni('admin', 'store', 'create', '--partner', 'ptnr_missing', '--name', 'X', '--json');
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('no partner with client id ptnr_missing');
    const usage = await omni('admin', 'partner', 'create', '--json');
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain("required option '--name <name>'");
  });

  it('fails fast on invalid configuration', async () => {
    const { stderr, code } = await omniWithEnv({ ...process.env, DATABASE_URL: 'mysql://x', PORT: '8080' }, 'migrate');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration: .*DATABASE_URL/);
  });
});
