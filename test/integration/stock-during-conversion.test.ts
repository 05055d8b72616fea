import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { until, untilWaitingForLock, waitingForLock } from '../helpers/lock-waits.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const { patch, simpleProduct, productRow } = productPatchHelpers(() => ctx);

/**
 * Holds the variant SKU a PATCH with a variant set is about to insert, uncommitted, without
 * the store's key lock (no triggers in replica mode): the PATCH then waits with the product
 * read and locked, before its variants are written, until `release`.
 */
async function holdVariantSku(store: TestStore, sku: string) {
  const holder = await ctx.sql.reserve();
  const other = await simpleProduct(store, `other-${sku}`);
  await holder`begin`;
  await holder`set local session_replication_role = replica`;
  await holder`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${other}, ${sku})`;
  return async () => { await holder`rollback`; holder.release(); };
}

/**
 * A stock row accepted while its product was simple, applied while a PATCH gives that product
 * variants: whichever commits first, the product ends with no stock of its own (0089).
 */
describe('a stock chunk applied while a PATCH gives its product variants', () => {
  for (const warehouses of [0, 1]) {
    it(`leaves the product no stock of its own (${warehouses} warehouses): the row fails INV_005`, async () => {
      const store = await createTestStore(ctx, warehouses);
      const id = await simpleProduct(store, `CV-${warehouses}`);
      const release = await holdVariantSku(store, `CV-${warehouses}-1`);
      let conversion;
      let batchId: string;
      try {
        conversion = patch(store, id, { variants: { items: [{ sku: `CV-${warehouses}-1`, price: 10 }] } });
        await untilWaitingForLock(ctx.sql, 'insert into product_variants');
        const res = await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items: [{ id, stock: 5 }] } });
        expect(res.statusCode).toBe(200);
        batchId = res.json().data.batchId;
        // The chunk either completes now or waits for the PATCH.
        await until('the chunk done or waiting', async () =>
          (await ctx.sql`select 1 from batches where id = ${batchId} and completed_at is not null`).length > 0 || waitingForLock(ctx.sql, 'apply_stock_chunk'));
      } finally {
        await release();
      }
      expect((await conversion).statusCode).toBe(200);
      const batch = await waitForBatch(ctx, batchId);
      expect(await productRow(id)).toMatchObject({ has_variants: true, stock: 0 });
      expect(await ctx.sql`select stock from warehouse_stock where product_id = ${id} and variant_id is null`).toEqual([]);
      expect(batch.outcomes.map((o: any) => [o.status, o.code])).toEqual([['FAILED', 'INV_005']]);
    });
  }
});
