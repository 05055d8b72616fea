import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { omni, omniJson } from '../helpers/cli.js';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

describe('omni admin partner disable / enable', () => {
  it('stops a partner\'s signed requests at once (AUTH_005, on its stores and its partner routes), and restores them', async () => {
    const who = await createTestStore(ctx, 1);
    const read = () => signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/stores/warehouses' });
    const own = () => signedInject(ctx, who, { method: 'GET', url: '/api/v1/partner/webhooks/endpoints', partnerOnly: true });
    expect((await read()).statusCode).toBe(200);

    expect(await omniJson('admin', 'partner', 'disable', '--partner', who.partnerClientId)).toMatchObject({ partnerClientId: who.partnerClientId, status: 'DISABLED' });
    for (const res of [await read(), await own()]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'AUTH_005', message: 'Partner access disabled', details: { context: { partnerClientId: who.partnerClientId } } });
    }
    // Its store and token are untouched: enabling it again is all it takes.
    expect(await omniJson('admin', 'partner', 'enable', '--partner', who.partnerClientId)).toMatchObject({ status: 'ACTIVE' });
    expect((await read()).statusCode).toBe(200);

    const unknown = await omni('admin', 'partner', 'disable', '--partner', 'ptnr_nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('error: no partner with client id ptnr_nobody: `omni admin partner list` lists the partners (ptnr_…)');
  });
});
