import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { bareProduct } from '../helpers/bare-rows.js';
import { PATCH_LOCK_TIMEOUT } from '../../src/catalog/patch-lock-wait.js';

// A PATCH waited without limit for a product's row lock: a worker stopped mid-chunk (SIGSTOP)
// held it, and the partner's request hung until its client gave up (QA, forty-third session).
let ctx: TestContext;
let store: TestStore;
beforeAll(async () => {
  ctx = await createTestApp();
  store = await createTestStore(ctx, 0);
});
afterAll(async () => { await ctx.close(); });

const patch = (id: string, body: object) => signedInject(ctx, store, { method: 'PATCH', url: `/api/v1/partner/stores/products/${id}`, body });

describe('a PATCH of a product another writer holds', () => {
  it(`gives up after ${PATCH_LOCK_TIMEOUT} with PRD_014 and changes nothing; once the lock is gone it applies`, async () => {
    const [simple, converted] = [await bareProduct(ctx.sql, store.storeId, 3), await bareProduct(ctx.sql, store.storeId)];
    const holder = await ctx.sql.reserve();
    try {
      // As a worker's chunk does: the products' rows locked in a transaction that does not end.
      await holder`begin`;
      await holder`select 1 from products where id in (${simple}, ${converted}) for update`;
      const started = Date.now();
      const [plain, withSet] = await Promise.all([
        patch(simple, { name: 'Renamed', stock: 5 }),
        patch(converted, { variants: { items: [{ sku: 'LOCKED-1', price: 10 }] } }),
      ]);
      const waited = Date.now() - started;
      for (const r of [plain, withSet]) {
        expect([r.statusCode, r.json().error.code, r.json().error.details.context.reason])
          .toEqual([409, 'PRD_014', `another writer held the product for more than ${PATCH_LOCK_TIMEOUT}`]);
      }
      expect(waited).toBeGreaterThanOrEqual(4500);
    } finally {
      await holder`rollback`;
      holder.release();
    }
    const rows = await ctx.sql`select p.name, p.has_variants, s.stock from products p join product_stock s on s.product_id = p.id
      where p.id in (${simple}, ${converted}) order by p.id = ${simple}`;
    expect(rows.map((r) => [r.name, r.has_variants, r.stock])).toEqual([['P', false, 0], ['P', false, 3]]);
    expect((await patch(simple, { name: 'Renamed', stock: 5 })).statusCode).toBe(200);
    expect((await patch(converted, { variants: { items: [{ sku: 'LOCKED-1', price: 10 }] } })).statusCode).toBe(200);
  }, 30_000);

  it('is the limit apply_product_patch, the common PATCH\'s one statement, carries (migration 0151)', async () => {
    const [{ config }] = await ctx.sql<{ config: string[] }[]>`select proconfig as config from pg_proc where proname = 'apply_product_patch'`;
    expect(config).toContain(`lock_timeout=${PATCH_LOCK_TIMEOUT}`);
  });
});
