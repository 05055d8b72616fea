import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { omni, omniEnv, omniJson, omniWithEnv } from '../helpers/cli.js';
import { createTestApp, createTestStore, type TestContext } from '../helpers/test-app.js';
import { Webhook } from 'standardwebhooks';
import { open } from '../../src/auth/secret-box.js';
import { disableWebhookEndpoint } from '../../src/webhooks/endpoints.js';
import { emitEvents } from '../../src/webhooks/outbox.js';


let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

// Each case runs `omni` several times in processes of their own (~0.5 s of CPU each): on a busy machine
// (2 cores, the suite's other files beside it) a case took 20-30 s, over the default timeout.
describe('omni admin webhook', { timeout: 90_000 }, () => {
  it('adds an endpoint (secret printed once, stored encrypted) and lists it', async () => {
    const who = await createTestStore(ctx);
    const added = await omniJson('admin', 'webhook', 'add', '--partner', who.partnerClientId, '--url', 'https://erp.example/hooks', '--events', 'product.created,stock.update.completed');
    expect(added).toEqual({ id: expect.stringMatching(/^we_/), secret: expect.stringMatching(/^whsec_/), url: 'https://erp.example/hooks', eventTypes: ['product.created', 'stock.update.completed'] });
    // The secret verifies our signatures with the Standard Webhooks library as it is.
    expect(() => new Webhook(added.secret)).not.toThrow();
    const [row] = await ctx.sql<any[]>`select partner_id, secret_ciphertext from webhook_endpoints where id = ${added.id}`;
    expect(row.partner_id).toBe(who.partnerId);
    expect(open(row.secret_ciphertext, ctx.deps.encryptionKey)).toBe(added.secret);

    const listed = await omniJson('admin', 'webhook', 'list', '--partner', who.partnerClientId);
    expect(listed).toEqual({ endpoints: [{ id: added.id, url: 'https://erp.example/hooks', eventTypes: ['product.created', 'stock.update.completed'], enabled: true, createdAt: expect.any(String),
      disabledBy: null, disabledReason: null, disabledAt: null, failingSince: null, slowSince: null }] });
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });

  it('rejects unknown event types and unknown partners with a message and no row', async () => {
    const who = await createTestStore(ctx);
    const bad = await omni('admin', 'webhook', 'add', '--partner', who.partnerClientId, '--url', 'https://x.example', '--events', 'nope', '--json');
    expect(bad.code).not.toBe(0);
    // A usage error, followed by the help (src/cli/usage-errors.test.ts has the other malformed values).
    expect(bad.stderr.split('\n')[0]).toMatch(/^error: option '--events <types>' argument 'nope' is invalid\. unknown event types: nope; expected a comma-separated list of catalog\.sync\.completed, .*export\.completed, export\.failed, webhook\.endpoint\.disabled \(none: all of them\)\.$/);
    expect(bad.stderr).toContain('Usage: omni admin webhook add [options]');
    const unknown = await omni('admin', 'webhook', 'add', '--partner', 'ptnr_nobody', '--url', 'https://x.example', '--json');
    expect(unknown.stderr).toMatch(/no partner/);
    const [{ n }] = await ctx.sql`select count(*)::int as n from webhook_endpoints where partner_id = ${who.partnerId}`;
    expect(n).toBe(0);
  });

  it('partner create --webhook-url registers an endpoint for every event type', async () => {
    const p = await omniJson('admin', 'partner', 'create', '--name', 'Hooked', '--webhook-url', 'https://hooked.example/in');
    expect(p).toMatchObject({ webhookEndpointId: expect.stringMatching(/^we_/), webhookSecret: expect.stringMatching(/^whsec_/) });
    const listed = await omniJson('admin', 'webhook', 'list', '--partner', p.partnerClientId);
    expect(listed.endpoints).toHaveLength(1);
    const added = await omni('admin', 'webhook', 'add', '--partner', p.partnerClientId, '--url', 'https://hooked.example/all');
    expect(added.stdout).toContain('\neventTypes: all\n');
    // No event types listed: subscribed to every type.
    expect(listed.endpoints[0]).toMatchObject({ id: p.webhookEndpointId, url: 'https://hooked.example/in', eventTypes: [] });
  });

  it('partner create with a webhook URL it refuses creates no partner (its credentials would never be shown)', async () => {
    const name = `Refused hook ${Date.now()}`;
    const res = await omni('admin', 'partner', 'create', '--name', name, '--webhook-url', 'javascript:alert(1)', '--json');
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain("error: option '--webhook-url <url>' argument 'javascript:alert(1)' is invalid. expected an absolute http(s) URL");
    const [{ n }] = await ctx.sql`select count(*)::int as n from partners where name = ${name}`;
    expect(n).toBe(0);
  });

  it('disable stops deliveries to an endpoint by its id alone, enable resumes them; list --all shows the disabled', async () => {
    const who = await createTestStore(ctx);
    const hook = await omniJson('admin', 'webhook', 'add', '--partner', who.partnerClientId, '--url', 'https://broken.example/in');
    const deliveries = async () => (await ctx.sql<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where endpoint_id = ${hook.id}`)[0].n;
    const emit = () => ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: who.partnerId, storeId: who.storeId, type: 'product.updated', payload: {} }]));

    const disabled = await omni('admin', 'webhook', 'disable', hook.id);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toContain(`id: ${hook.id}\n`);
    expect(disabled.stdout).toContain('enabled: false\n');
    // Subscribed to every event type (stored []), as `webhook list` prints it: it printed "eventTypes: none".
    expect(disabled.stdout).toContain('\neventTypes: all\n');
    expect(disabled.stdout).toContain(`partnerClientId: ${who.partnerClientId}\n`);
    await emit();
    expect(await deliveries()).toBe(0);
    expect((await omniJson('admin', 'webhook', 'list', '--partner', who.partnerClientId)).endpoints).toEqual([]);
    expect((await omniJson('admin', 'webhook', 'list', '--partner', who.partnerClientId, '--all')).endpoints)
      .toEqual([expect.objectContaining({ id: hook.id, enabled: false, disabledBy: 'operator', disabledReason: null, disabledAt: expect.any(String) })]);

    expect(await omniJson('admin', 'webhook', 'enable', hook.id)).toMatchObject({ id: hook.id, enabled: true, url: 'https://broken.example/in', disabledBy: null, disabledAt: null });
    await emit();
    expect(await deliveries()).toBe(1);

    // Deleted by its partner (the API's DELETE), an endpoint is not the operator's to bring back.
    await disableWebhookEndpoint(ctx.sql, who.partnerId, hook.id);
    const refused = await omni('admin', 'webhook', 'enable', hook.id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`webhook endpoint ${hook.id} was deleted by its partner (${who.partnerClientId}), not disabled by an operator: it stays off`);
    const [row] = await ctx.sql`select enabled, disabled_by from webhook_endpoints where id = ${hook.id}`;
    expect(row).toEqual({ enabled: false, disabled_by: 'partner' });

    const unknown = await omni('admin', 'webhook', 'disable', 'we_nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^error: no webhook endpoint we_nobody: `omni admin webhook list --partner ptnr_… --all` lists/);
  }, 60_000);

  it('deliveries lists a partner\'s deliveries with their status and last error, filtered by status', async () => {
    const who = await createTestStore(ctx);
    const hook = await omniJson('admin', 'webhook', 'add', '--partner', who.partnerClientId, '--url', 'http://127.0.0.1:9/down');
    expect(await omni('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId)).toMatchObject({ code: 0, stdout: 'total: 0\ndeliveries: none\n' });
    await ctx.sql.begin((tx) => emitEvents(tx, [{ partnerId: who.partnerId, storeId: who.storeId, type: 'product.updated', payload: {} }]));
    // As a delivery that used up its attempts (a worker of another test file may be trying it meanwhile: the attempt count keeps it from writing).
    const [d] = await ctx.sql`update webhook_deliveries set status = 'EXHAUSTED', attempts = 8, last_status_code = 500, last_error = 'HTTP 500', next_attempt_at = null
      where endpoint_id = ${hook.id} returning id`;
    const all = await omniJson('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId);
    expect(all).toEqual({ total: 1, deliveries: [expect.objectContaining({ id: d.id, endpointId: hook.id, eventType: 'product.updated', status: 'EXHAUSTED', attempts: 8, lastError: 'HTTP 500' })] });
    const text = await omni('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--status', 'EXHAUSTED');
    const [total, heading, header, row] = text.stdout.split('\n');
    expect([total, heading]).toEqual(['total: 1', 'deliveries:']);
    expect(header.trim().split(/\s+/)).toEqual(['id', 'endpointId', 'eventId', 'eventType', 'status', 'attempts', 'nextAttemptAt', 'lastStatusCode', 'lastError', 'createdAt', 'deliveredAt']);
    expect(row).toContain(`${hook.id}  `);
    expect(row).toMatch(/EXHAUSTED\s+8\s+-\s+500\s+HTTP 500\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+-$/);
    expect((await omniJson('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--status', 'SUCCEEDED')).deliveries).toEqual([]);
    expect((await omniJson('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--endpoint', hook.id)).total).toBe(1);
    // An endpoint the partner never had, or an unknown event type, is refused as the API refuses them, not an empty list.
    const other = await omni('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--endpoint', 'we_other');
    expect([other.code, other.stdout, other.stderr.trim()]).toEqual([1, '',
      `error: partner ${who.partnerClientId} has no webhook endpoint we_other: \`omni admin webhook list --partner ${who.partnerClientId} --all\` lists its endpoints (we_…)`]);
    expect((await omniJson('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--event-type', 'webhook.test')).total).toBe(0);
    expect((await omni('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--event-type', 'product.update')).stderr)
      .toContain("error: option '--event-type <type>' argument 'product.update' is invalid. Allowed choices are catalog.sync.completed,");
    expect((await omni('admin', 'webhook', 'deliveries', '--partner', who.partnerClientId, '--status', 'LOST')).stderr).toContain('Allowed choices are PENDING, RETRYING, SUCCEEDED, EXHAUSTED');
  }, 60_000);

  it('refuses a private address as the API does, unless WEBHOOK_ALLOW_PRIVATE_URLS, with the reason', async () => {
    const who = await createTestStore(ctx);
    const guarded = { ...omniEnv(), WEBHOOK_ALLOW_PRIVATE_URLS: 'false' };
    const add = await omniWithEnv(guarded, 'admin', 'webhook', 'add', '--partner', who.partnerClientId, '--url', 'http://127.0.0.1:9/hook');
    expect([add.code, add.stdout]).toEqual([1, '']);
    expect(add.stderr.trim()).toMatch(/^error: Webhook URL not allowed \(WHK_003: 127\.0\.0\.1 is not a public address .*\): Use an absolute http\(s\) URL/);
    const name = `Private hook ${Date.now()}`;
    expect((await omniWithEnv(guarded, 'admin', 'partner', 'create', '--name', name, '--webhook-url', 'http://localhost/in')).stderr).toContain('WHK_003: localhost names this machine');
    expect((await ctx.sql`select count(*)::int as n from partners where name = ${name}`)[0].n).toBe(0);
    expect((await omniJson('admin', 'webhook', 'add', '--partner', who.partnerClientId, '--url', 'http://127.0.0.1:9/hook')).url).toBe('http://127.0.0.1:9/hook');
  }, 60_000);
});
