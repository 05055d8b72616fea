import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(() => ctx.close());

describe('an operation that takes no body, sent an empty one under a content type other than JSON', () => {
  it('runs as without the header (Python urllib sends application/x-www-form-urlencoded with data=b""); a body or a type on an operation that takes one stays REQ_002', async () => {
    const who = await createTestStore(ctx, 1);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // The unbind of an unknown store: its own answer, not the 415 it got before authentication and routing.
    const unknown = await signedInject(ctx, who, { method: 'POST', url: '/api/v1/partner/stores/str_nobody/unbind', partnerOnly: true, body: '', headers: form });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'ONB_006']);
    const declared = await signedInject(ctx, who, { method: 'POST', url: '/api/v1/partner/stores/str_nobody/unbind', partnerOnly: true, body: '', headers: { ...form, 'content-length': '0' } });
    expect([declared.statusCode, declared.json().error.code]).toEqual([404, 'ONB_006']);
    const unbound = await signedInject(ctx, who, { method: 'POST', url: `/api/v1/partner/stores/${who.storeClientId}/unbind`, partnerOnly: true, body: '', headers: { 'content-type': 'text/plain' } });
    expect(unbound.statusCode).toBe(200);

    // A body under such a type is refused, as before; so is the type on an operation that takes a body, empty or not.
    const withBody = await signedInject(ctx, who, { method: 'POST', url: '/api/v1/partner/stores/str_nobody/unbind', partnerOnly: true, body: 'a=1', headers: form });
    expect([withBody.statusCode, withBody.json().error.code]).toEqual([415, 'REQ_002']);
    const other = await createTestStore(ctx, 1);
    for (const body of ['', 'products=1']) {
      const sync = await signedInject(ctx, other, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body, headers: form });
      expect([sync.statusCode, sync.json().error.code]).toEqual([415, 'REQ_002']);
    }
  });
});
