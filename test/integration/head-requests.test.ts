import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';

// README, Decisions: every GET route answers HEAD, authenticated as the GET, and the OpenAPI
// document lists the GETs only.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

describe('HEAD', () => {
  it('answers a signed Partner API HEAD as its GET without the body, refuses an unsigned one, and is not in the document', async () => {
    const store = await createTestStore(ctx, 1);
    const url = '/api/v1/partner/stores/warehouses';
    const get = await signedInject(ctx, store, { method: 'GET', url });
    const head = await signedInject(ctx, store, { method: 'HEAD', url });
    expect([get.statusCode, head.statusCode]).toEqual([200, 200]);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect((await ctx.app.inject({ method: 'HEAD', url })).statusCode).toBe(401);
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.values(doc.paths).flatMap((p: any) => Object.keys(p))).not.toContain('head');
  });
});
