import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';

// An Idempotency-Key replays its first response (README, Stripe's semantics): the same bytes, not
// only the same meaning. Kept as jsonb, a refused row's `details` came back with its keys sorted
// ({"context":…,"retryable":…} after {"retryable":…,"context":…}) and its validation tree's
// fields reordered (QA: a partner hashing the logged first answer saw a mismatch).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

describe('a replayed Idempotency-Key', () => {
  it('answers the bytes of the first response, a refused row\'s free-form details included', async () => {
    const store = await createTestStore(ctx, 0);
    const body = { products: [
      { externalId: 'r-1', name: 'R', sku: 'R-1', price: 1, zz: 1, a: 2 },
      { externalId: 'g-1', name: 'G', sku: 'G-1', price: 1 },
    ] };
    const send = () => signedInject(ctx, store, { method: 'POST', url: '/api/v1/partner/stores/products/bulk', body, headers: { 'idempotency-key': 'bytes-1' } });
    const first = await send();
    expect(first.statusCode, first.body).toBe(200);
    // The first answer's order, which jsonb would not keep: retryable before context, zz before a.
    expect(first.body).toMatch(/"details":\{"retryable":false,"context":\{"validationErrors":\{"zz":[^}]*,"a":/);
    const again = await send();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
  });
});
