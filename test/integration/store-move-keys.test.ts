import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { authorizeAnotherPartner, claimMovedStore } from '../helpers/onboarding.js';

// A store's Idempotency-Keys were kept by store alone: once a seller moved the store to another
// partner, that partner's first request under a key the previous one had used was answered with
// the previous one's response, and nothing of its own was written (QA).
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const sync = (who: TestStore, key: string, sku: string) => signedInject(ctx, who, {
  method: 'POST', url: '/api/v1/partner/stores/catalog/sync', headers: { 'idempotency-key': key },
  body: { products: [{ externalId: `ext-${sku}`, name: sku, sku, price: 1 }] },
});

/** The seller of `operated`'s store authorizes another partner, which claims the store: that partner, operating it. */
async function moveToAnotherPartner(operated: TestStore): Promise<TestStore> {
  const { asker, sid } = await authorizeAnotherPartner(ctx, operated);
  return claimMovedStore(ctx, asker, sid, operated);
}

describe('a store moved to another partner', () => {
  it("leaves the previous partner's Idempotency-Keys behind: the new partner's request under the same key runs", async () => {
    const operated = await createTestStore(ctx, 0);
    const first = await sync(operated, 'import-part-1', 'A-1');
    expect(first.statusCode).toBe(200);
    const moved = await moveToAnotherPartner(operated);

    const same = await sync(moved, 'import-part-1', 'A-1');
    expect(same.headers['idempotent-replayed']).toBeUndefined();
    expect(same.json().data.batchId).not.toBe(first.json().data.batchId);
    const other = await sync(moved, 'import-part-1', 'B-1');
    expect([other.statusCode, other.json().error?.code]).toEqual([409, 'IDEM_001']);
    expect((await ctx.sql`select partner_id from batches where id = ${same.json().data.batchId}`)[0].partner_id).toBe(moved.partnerId);
    // A request of the previous partner still in its transaction at the claim commits its key after
    // the claim's delete (review): a key names its partner (0150), and the new one's request runs.
    await ctx.sql`insert into idempotency_keys (store_id, key, route, request_hash, status_code, response, partner_id)
      values (${operated.storeId}, 'late-key', 'POST /api/v1/partner/stores/catalog/sync', 'x', 200, '{"data":{"batchId":"pb_old"}}', ${operated.partnerId})`;
    const late = await sync(moved, 'late-key', 'C-1');
    expect([late.statusCode, late.headers['idempotent-replayed'], late.json().data.batchId]).toEqual([200, undefined, expect.stringMatching(/^pb_/)]);
    expect(late.json().data.batchId).not.toBe('pb_old');
    const replayed = await sync(moved, 'late-key', 'C-1');
    expect([replayed.headers['idempotent-replayed'], replayed.json().data.batchId]).toEqual(['true', late.json().data.batchId]);
  });

  it("shows the new partner its own batches only: the previous partner's requests are not its to read", async () => {
    // QA (forty-third session): batch reads filtered by store alone, so the new partner read the
    // previous one's batches, rows and results included.
    const operated = await createTestStore(ctx, 0);
    const old = (await sync(operated, 'k-old', 'OLD-1')).json().data;
    const moved = await moveToAnotherPartner(operated);
    const own = (await sync(moved, 'k-new', 'NEW-1')).json().data;
    const get = (who: TestStore, url: string) => signedInject(ctx, who, { method: 'GET', url: `/api/v1/partner/stores/${url}` });
    const codes = async (who: TestStore) => Promise.all([`batches/${old.batchId}`, `batches/requests/${old.requestId}`, `requests/${old.requestId}`,
      `catalog/${old.batchId}`, `catalog/${old.requestId}`].map(async (url) => { const r = await get(who, url); return [r.statusCode, r.json().error?.code ?? r.json().data.batchId]; }));
    expect(await codes(moved)).toEqual([[404, 'BAT_001'], [404, 'BAT_002'], [404, 'BAT_002'], [404, 'BAT_001'], [404, 'BAT_001']]);
    const listed = (await get(moved, 'batches')).json();
    expect([listed.data.map((b: { batchId: string }) => b.batchId), listed.meta.pagination.total]).toEqual([[own.batchId], 1]);
    expect((await get(moved, `batches/${own.batchId}`)).json().data.rows[0].status).toMatch(/PENDING|SUCCEEDED/);
  });
});
