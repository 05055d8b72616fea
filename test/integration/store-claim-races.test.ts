import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReservedSql } from 'postgres';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { authorizeAnotherPartner, claimMovedStore } from '../helpers/onboarding.js';
import { until, waitingForLock } from '../helpers/lock-waits.js';
import { rotateStoreToken } from '../../src/stores/stores.js';

// An unbind or a token rotation read the store, then revoked every live token of it: a claim by
// another partner committed in between lost its new token, the store's one live token, and that
// partner was left with a live authorization and no way in (QA). The claim, the unbind and the
// rotation now take the store's row in turn. Each test holds the claim half-way (the session's
// row, which it locks after the store's) while the other runs.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

/** A claim of the store by another partner, held after it took the store's row: release() lets it end. */
async function claimHeldHalfway() {
  const operated = await createTestStore(ctx, 0);
  const { asker, sid } = await authorizeAnotherPartner(ctx, operated);
  const holder: ReservedSql = await ctx.sql.reserve();
  await holder`begin`;
  await holder`select 1 from onboard_sessions where id = ${sid} for update`;
  const claiming = claimMovedStore(ctx, asker, sid, operated);
  await until('the claim waiting for its session', () => waitingForLock(ctx.sql, 'for update of o'));
  const release = async () => { await holder`commit`; holder.release(); return claiming; };
  return { operated, asker, release };
}

describe('a claim of a store by another partner, in progress', () => {
  it('is waited for by an unbind of the partner losing the store, which then finds it another\'s (ONB_006); the claimed token works', async () => {
    const { operated, release } = await claimHeldHalfway();
    const unbinding = signedInject(ctx, operated, { method: 'POST', url: `/api/v1/partner/stores/${operated.storeClientId}/unbind`, partnerOnly: true });
    await until('the unbind waiting for the store', () => waitingForLock(ctx.sql, 'from stores where client_id'));
    const moved = await release();
    const unbound = await unbinding;
    expect([unbound.statusCode, unbound.json().error?.code]).toEqual([404, 'ONB_006']);
    expect((await signedInject(ctx, moved, { method: 'GET', url: '/api/v1/partner/stores/batches' })).statusCode).toBe(200);
  });

  it('is waited for by a token rotation, which then rotates the new partner\'s token and says whose it is', async () => {
    const { operated, asker, release } = await claimHeldHalfway();
    const rotating = rotateStoreToken(ctx.sql, operated.storeClientId);
    await until('the rotation waiting for the store', () => waitingForLock(ctx.sql, 'from stores where client_id'));
    const moved = await release();
    const rotated = await rotating;
    expect(rotated.partnerClientId).toBe(asker.partnerClientId);
    expect((await signedInject(ctx, { ...moved, storeToken: rotated.storeToken }, { method: 'GET', url: '/api/v1/partner/stores/batches' })).statusCode).toBe(200);
  });
});
