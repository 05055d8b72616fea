import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { omni, omniJson, omniWithEnv } from '../helpers/cli.js';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

// Each case runs `omni` several times in processes of their own (~0.5 s of CPU each): on a busy machine
// (2 cores, the suite's other files beside it) a case took 20-30 s, over the default timeout.
describe('omni admin CLI', { timeout: 90_000 }, () => {
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

  it('lists the partners and a partner\'s stores, without a secret or a token', async () => {
    const partner = await omniJson('admin', 'partner', 'create', '--name', 'Listed Partner');
    const a = await omniJson('admin', 'store', 'create', '--partner', partner.partnerClientId, '--name', 'First', '--warehouses', '2');
    const b = await omniJson('admin', 'store', 'create', '--partner', partner.partnerClientId, '--name', 'Second');
    await omniJson('admin', 'store', 'block', '--store', b.storeClientId);
    const { partners } = await omniJson('admin', 'partner', 'list');
    expect(partners.find((p: any) => p.partnerClientId === partner.partnerClientId))
      .toEqual({ partnerClientId: partner.partnerClientId, name: 'Listed Partner', status: 'ACTIVE', storeCount: 2, createdAt: expect.any(String) });
    const { stores } = await omniJson('admin', 'store', 'list', '--partner', partner.partnerClientId);
    expect(stores.map((s: any) => [s.storeClientId, s.name, s.status, s.warehouseCount]))
      .toEqual([[a.storeClientId, 'First', 'ACTIVE', 2], [b.storeClientId, 'Second', 'BLOCKED', 0]]);
    const printed = JSON.stringify({ partners, stores });
    for (const secret of [partner.partnerSecret, partner.partnerEncryptionKey, a.storeToken, b.storeToken]) expect(printed).not.toContain(secret);
    const unknown = await omni('admin', 'store', 'list', '--partner', 'ptnr_missing');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no partner with client id ptnr_missing');
  });

  it('prints lists without --json as aligned tables with ISO-8601 times, and an empty list as "none"', async () => {
    const partner = await omniJson('admin', 'partner', 'create', '--name', 'Tabled Partner');
    expect(await omni('admin', 'store', 'list', '--partner', partner.partnerClientId)).toMatchObject({ code: 0, stdout: 'stores: none\n' });
    const store = await omniJson('admin', 'store', 'create', '--partner', partner.partnerClientId, '--name', 'Tabled Store', '--warehouses', '1');
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    const columns = (text: string, heading: string, header: string[], id: string) => {
      const lines = text.trimEnd().split('\n');
      expect(lines[0]).toBe(heading);
      expect(lines[1].trim().split(/\s{2,}/)).toEqual(header);
      const row = lines.find((l) => l.includes(id))!;
      // Each value starts where its header does.
      const starts = header.map((h) => lines[1].indexOf(h));
      return header.map((_, i) => row.slice(starts[i], starts[i + 1]).trim());
    };
    const partners = await omni('admin', 'partner', 'list');
    const p = columns(partners.stdout, 'partners:', ['partnerClientId', 'name', 'status', 'storeCount', 'createdAt'], partner.partnerClientId);
    expect(p.slice(0, 4)).toEqual([partner.partnerClientId, 'Tabled Partner', 'ACTIVE', '1']);
    expect(p[4]).toMatch(iso);
    const stores = await omni('admin', 'store', 'list', '--partner', partner.partnerClientId);
    const s = columns(stores.stdout, 'stores:', ['storeClientId', 'name', 'status', 'bound', 'warehouseCount', 'createdAt'], store.storeClientId);
    expect(s.slice(0, 5)).toEqual([store.storeClientId, 'Tabled Store', 'ACTIVE', 'true', '1']);
    expect(s[5]).toMatch(iso);
    expect(await omni('admin', 'webhook', 'list', '--partner', partner.partnerClientId)).toMatchObject({ code: 0, stdout: 'endpoints: none\n' });
    const hook = await omniJson('admin', 'webhook', 'add', '--partner', partner.partnerClientId, '--url', 'https://tabled.example/in');
    const hooks = await omni('admin', 'webhook', 'list', '--partner', partner.partnerClientId);
    const h = columns(hooks.stdout, 'endpoints:', ['id', 'url', 'eventTypes', 'enabled', 'createdAt', 'disabledBy', 'disabledReason', 'disabledAt', 'failingSince', 'slowSince'], hook.id);
    expect(h.slice(0, 4)).toEqual([hook.id, 'https://tabled.example/in', 'all', 'true']);
    expect(h[4]).toMatch(iso);
    expect(h.slice(5)).toEqual(['-', '-', '-', '-', '-']);
  }, 60_000);

  it('store show: partner, status, tenant, warehouses and live tokens by hint (never a token)', async () => {
    const partner = await omniJson('admin', 'partner', 'create', '--name', 'Shown Partner');
    const store = await omniJson('admin', 'store', 'create', '--partner', partner.partnerClientId, '--name', 'Shown Store', '--warehouses', '2');
    const hint = (token: string) => `${token.slice(0, 9)}…`;
    const shown = await omniJson('admin', 'store', 'show', '--store', store.storeClientId);
    expect(shown).toEqual({ storeClientId: store.storeClientId, name: 'Shown Store', status: 'ACTIVE', partnerClientId: partner.partnerClientId, partnerName: 'Shown Partner',
      tenantId: null, createdAt: expect.any(String), warehouses: store.warehouses.map((w: any) => ({ ...w, createdAt: expect.any(String) })),
      tokens: [{ hint: hint(store.storeToken), createdAt: expect.any(String), expiresAt: null }] });
    expect(JSON.stringify(shown)).not.toContain(store.storeToken);
    const { storeToken } = await omniJson('admin', 'store', 'rotate-token', '--store', store.storeClientId);
    expect((await omniJson('admin', 'store', 'show', '--store', store.storeClientId)).tokens.map((t: any) => t.hint)).toEqual([hint(storeToken)]);
    await omniJson('admin', 'store', 'revoke-token', '--store', store.storeClientId);
    const text = (await omni('admin', 'store', 'show', '--store', store.storeClientId)).stdout;
    expect(text).toMatch(/\ntenantId: null\ncreatedAt: \d{4}-\d\d-\d\dT[\d:.]+Z\nwarehouses:\n  clientId +name +createdAt\n/);
    expect(text.endsWith('\ntokens: none\n')).toBe(true);
  }, 60_000);

  it('batch list: one store\'s, a partner\'s (naming each batch\'s store) or every store\'s, by status and kind', async () => {
    const partner = await createPartner(ctx.sql, ctx.deps.encryptionKey, { name: 'Batched Partner' });
    const [a, b] = await Promise.all(['A', 'B'].map(async (name) => ({ ...partner, ...(await createStore(ctx.sql, { partnerClientId: partner.partnerClientId, name, warehouses: 0 })) })));
    // No worker here: the catalog stays PENDING; stock for SKUs that do not exist is refused at accept, its batch FAILED at once.
    const sync = await signedInject(ctx, a, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body: { products: [{ externalId: 'bl-1', sku: 'BL-1', name: 'Listed', price: 1 }] } });
    const stock = await signedInject(ctx, b, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ sku: 'NOPE', stock: 1 }] } });
    const [pending, failed] = [sync.json().data.batchId, stock.json().data.batchId];
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    const { batches } = await omniJson('admin', 'batch', 'list', '--partner', partner.partnerClientId);
    expect(batches).toEqual([
      { storeClientId: b.storeClientId, batchId: failed, kind: 'inventory', status: 'FAILED', total: 1, succeeded: 0, failed: 1, pending: 0, retryable: 0, createdAt: time, completedAt: time },
      { storeClientId: a.storeClientId, batchId: pending, kind: 'catalog.sync', status: 'PENDING', total: 1, succeeded: 0, failed: 0, pending: 1, retryable: 0, createdAt: time, completedAt: null },
    ]);
    const everywhere = (await omniJson('admin', 'batch', 'list', '--status', 'PENDING', '--kind', 'catalog.sync', '--limit', '100')).batches;
    expect(everywhere).toContainEqual(batches[1]);
    expect(everywhere.filter((x: any) => x.status !== 'PENDING' || x.kind !== 'catalog.sync')).toEqual([]);
    const text = (await omni('admin', 'batch', 'list', '--partner', partner.partnerClientId, '--kind', 'catalog.sync')).stdout.split('\n');
    const header = ['storeClientId', 'batchId', 'kind', 'status', 'total', 'succeeded', 'failed', 'pending', 'retryable', 'createdAt', 'completedAt'];
    expect([text[0], text[1].trim().split(/\s{2,}/)]).toEqual(['batches:', header]);
    expect(header.map((h) => text[2].slice(text[1].indexOf(h)).split(/\s{2,}/)[0].trim()))
      .toEqual([a.storeClientId, pending, 'catalog.sync', 'PENDING', '1', '0', '0', '1', '0', expect.stringMatching(/Z$/), '-']);
    // One store, or one partner: not both.
    const { buildProgram } = await import('../../src/cli/program.js');
    const program = buildProgram();
    const list = program.commands.find((c) => c.name() === 'admin')!.commands.find((c) => c.name() === 'batch')!.commands.find((c) => c.name() === 'list')!;
    list.exitOverride().configureOutput({ writeErr: () => {} });
    await expect(list.parseAsync(['--store', a.storeClientId, '--partner', partner.partnerClientId], { from: 'user' }))
      .rejects.toMatchObject({ code: 'commander.conflictingOption' });
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
    // One line, as every other failure of the command: error: …
    expect(stderr).toMatch(/^error: Invalid configuration: .*DATABASE_URL/);
  });
});
