import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { open } from '../../src/auth/secret-box.js';
import { createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { deliveryOf, receiver, register, until, webhookTestBed, type Received } from '../helpers/webhooks.js';

let ctx: TestContext;
let bed: Awaited<ReturnType<typeof webhookTestBed>>;
beforeAll(async () => { bed = await webhookTestBed(); ctx = bed.ctx; });
afterAll(async () => { await bed?.close(); });

const ENDPOINTS = '/api/v1/partner/webhooks/endpoints';
const rotate = (store: TestStore, id: string, query = '') =>
  signedInject(ctx, store, { method: 'POST', url: `${ENDPOINTS}/${id}/rotate-secret${query}`, partnerOnly: true });
/** Whether a received delivery verifies with this secret. */
const verifiesWith = (r: Received, secret: string) => { try { new Webhook(secret).verify(r.body, r.headers); return true; } catch { return false; } };

describe('POST /partner/webhooks/endpoints/{id}/rotate-secret', () => {
  it('signs with the new and the previous secret for the grace period; with 0 hours, with the new one only', async () => {
    const rx = await receiver(0);
    try {
      const store = await createTestStore(ctx, 0);
      const endpoint = await register(ctx, store, rx.url);
      const sendTest = async (n: number) => {
        const res = await signedInject(ctx, store, { method: 'POST', url: `${ENDPOINTS}/${endpoint.id}/test`, partnerOnly: true });
        expect(res.statusCode).toBe(202);
        await until(async () => rx.received.length >= n);
        return rx.received[n - 1];
      };

      const rolled = await rotate(store, endpoint.id);
      expect(rolled.statusCode).toBe(200);
      const first = rolled.json().data;
      expect(rolled.json().message).toBe('Webhook secret rotated');
      expect(first).toMatchObject({ id: endpoint.id, url: rx.url, enabled: true });
      expect(first.secret).toMatch(/^whsec_/);
      expect(first.secret).not.toBe(endpoint.secret);
      const graceHours = (Date.parse(first.previousSecretExpiresAt) - Date.now()) / 3_600_000;
      expect(graceHours).toBeGreaterThan(23.9);
      expect(graceHours).toBeLessThanOrEqual(24);

      const during = await sendTest(1);
      expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(verifiesWith(during, endpoint.secret)).toBe(true);
      expect(verifiesWith(during, first.secret)).toBe(true);

      // Rolled again within the first roll's grace: that promise holds too. Each secret signs until
      // its own grace ends: the first for 24 h, the second for 2.
      const second = await rotate(store, endpoint.id, '?keepPreviousHours=2');
      const graceOfSecond = (Date.parse(second.json().data.previousSecretExpiresAt) - Date.now()) / 3_600_000;
      expect(graceOfSecond).toBeGreaterThan(1.9);
      expect(graceOfSecond).toBeLessThanOrEqual(2);
      const twice = await sendTest(2);
      expect(twice.headers['webhook-signature'].split(' ')).toHaveLength(3);
      for (const secret of [endpoint.secret, first.secret, second.json().data.secret]) expect(verifiesWith(twice, secret)).toBe(true);

      const now = await rotate(store, endpoint.id, '?keepPreviousHours=0');
      expect(now.json().data.previousSecretExpiresAt).toBeNull();
      const after = await sendTest(3);
      expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
      expect(verifiesWith(after, now.json().data.secret)).toBe(true);
      for (const secret of [endpoint.secret, first.secret, second.json().data.secret]) expect(verifiesWith(after, secret)).toBe(false);
      expect((await deliveryOf(ctx, endpoint.id, 'SUCCEEDED')).attempts).toBe(1);
    } finally {
      await rx.close();
    }
  });

  it('refuses an unknown endpoint (WHK_001) and a grace over 168 hours (VAL_001), changing nothing', async () => {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(ctx, store, 'http://127.0.0.1:9/hooks');
    const unknown = await rotate(store, 'we_nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('WHK_001');
    const [before] = await ctx.sql`select secret_ciphertext from webhook_endpoints where id = ${endpoint.id}`;
    const tooLong = await rotate(store, endpoint.id, '?keepPreviousHours=169');
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.code).toBe('VAL_001');
    const [after] = await ctx.sql`select secret_ciphertext, previous_secrets from webhook_endpoints where id = ${endpoint.id}`;
    expect(after).toEqual({ secret_ciphertext: before.secret_ciphertext, previous_secrets: [] });
  });

  it('rolls a disabled endpoint\'s secret (one that leaked, before it is enabled again); a deleted one is WHK_001', async () => {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(ctx, store, 'http://127.0.0.1:9/hooks');
    // Disabled by Omni, its receiver failing (endpoint-health.ts): a partner cannot disable one.
    await ctx.sql`update webhook_endpoints set enabled = false, disabled_by = 'system', disabled_reason = 'failing', disabled_at = now() where id = ${endpoint.id}`;
    const rolled = await rotate(store, endpoint.id, '?keepPreviousHours=0');
    expect(rolled.statusCode).toBe(200);
    expect(rolled.json().data).toMatchObject({ id: endpoint.id, enabled: false, previousSecretExpiresAt: null });
    // A test event is not sent to it: WHK_004, as a redelivery to it is.
    const test = await signedInject(ctx, store, { method: 'POST', url: `${ENDPOINTS}/${endpoint.id}/test`, partnerOnly: true });
    expect(test.statusCode).toBe(409);
    expect(test.json().error).toMatchObject({ code: 'WHK_004', details: { context: { endpointId: endpoint.id, disabledBy: 'system' } } });

    expect((await signedInject(ctx, store, { method: 'DELETE', url: `${ENDPOINTS}/${endpoint.id}`, partnerOnly: true })).statusCode).toBe(200);
    const [before] = await ctx.sql`select secret_ciphertext from webhook_endpoints where id = ${endpoint.id}`;
    for (const res of [await rotate(store, endpoint.id), await signedInject(ctx, store, { method: 'POST', url: `${ENDPOINTS}/${endpoint.id}/test`, partnerOnly: true })]) {
      expect(res.json().error.code).toBe('WHK_001');
    }
    const [after] = await ctx.sql`select secret_ciphertext from webhook_endpoints where id = ${endpoint.id}`;
    expect(after).toEqual(before);
  });

  it('keeps the latest 4 rolled secrets signing: each is one more signature in every delivery', async () => {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(ctx, store, 'http://127.0.0.1:9/hooks');
    const secrets = [endpoint.secret];
    for (let i = 0; i < 6; i++) secrets.push((await rotate(store, endpoint.id)).json().data.secret);
    const [row] = await ctx.sql`select previous_secrets from webhook_endpoints where id = ${endpoint.id}`;
    const kept = row.previous_secrets.map((p: { ciphertext: string }) => open(p.ciphertext, ctx.deps.encryptionKey));
    // Newest first: the four rolled last (the current one is the seventh).
    expect(kept).toEqual(secrets.slice(2, 6).reverse());
  });

  it('keeps the secret just replaced for its grace, shorter than the older ones\' (an older one ends instead)', async () => {
    const store = await createTestStore(ctx, 0);
    const endpoint = await register(ctx, store, 'http://127.0.0.1:9/hooks');
    const secrets = [endpoint.secret];
    for (let i = 0; i < 4; i++) secrets.push((await rotate(store, endpoint.id, '?keepPreviousHours=168')).json().data.secret);
    const last = await rotate(store, endpoint.id, '?keepPreviousHours=2');
    expect(last.statusCode).toBe(200);
    const [row] = await ctx.sql`select previous_secrets from webhook_endpoints where id = ${endpoint.id}`;
    const kept = row.previous_secrets.map((p: { ciphertext: string; expiresAt: string }) => [open(p.ciphertext, ctx.deps.encryptionKey), p.expiresAt]);
    // The secret current until this roll signs for the 2 hours promised; the first one (of five rolled) ends.
    expect(kept.map(([secret]: string[]) => secret)).toEqual(secrets.slice(1, 5).reverse());
    expect(Date.parse(kept[0][1])).toBe(Date.parse(last.json().data.previousSecretExpiresAt));
  });
});
