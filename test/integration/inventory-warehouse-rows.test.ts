import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

/**
 * Seed 002's per-warehouse forms on a store with several warehouses, through the API: a list of
 * clientIds takes the item's stock, {clientId, stock} items set each, and only the listed
 * warehouses change (seed 003: "warehouses → updates only specified clientIds"); stock alone
 * sets every warehouse. The warehouse payload rules refuse a row alone.
 */
describe('PATCH /inventory per warehouse (seeds 002, 003)', () => {
  it('writes only the listed warehouses, keeps the others, and refuses the rows that break the warehouse rules', async () => {
    const store = await createTestStore(ctx, 3);
    const [w1, w2, w3] = store.warehouses.map((w) => w.clientId).sort();
    const [p] = await ctx.sql<{ id: string }[]>`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'wr-parent', 'Parent', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${p.id}, 'WR-A', 'wr-a'), (${store.storeId}, ${p.id}, 'WR-B', 'wr-b')`;
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'wr-simple', 'WR-S', 'Simple')`;
    const send = async (items: unknown[]) => {
      const { data } = (await signedInject(ctx, store, { method: 'PATCH', url: '/api/v1/partner/stores/inventory', body: { items } })).json();
      await waitForBatch(ctx, data.batchId);
      return data;
    };
    await send([{ sku: 'WR-A', stock: 4 }, { sku: 'WR-B', stock: 4 }, { sku: 'WR-S', stock: 4 }]);

    const data = await send([
      { sku: 'WR-A', warehouses: [{ clientId: w2, stock: 9 }, { clientId: w3, stock: 1 }] },
      { externalId: 'wr-b', stock: 6, warehouses: [w1] },
      { sku: 'WR-S', stock: 2, warehouses: [{ clientId: w1, stock: 2 }] },
      { sku: 'WR-S', warehouses: [{ clientId: w1, stock: 2 }, { clientId: 'wh_nope', stock: 2 }] },
      { sku: 'WR-S', stock: 2, warehouses: [w1, w1] },
      { sku: 'WR-S', warehouses: [w1] },
    ]);
    expect(data.acceptedRows.map((r: any) => [r.rowIndex, r.target])).toEqual([[0, 'variant'], [1, 'variant']]);
    expect(data.errors.map((e: any) => [e.rowIndex, e.code, e.sku, e.details.context])).toEqual([
      [2, 'WHS_001', 'WR-S', { field: 'stock' }],
      [3, 'WHS_003', 'WR-S', { field: 'warehouses', clientIds: ['wh_nope'] }],
      [4, 'WHS_004', 'WR-S', { field: 'warehouses', clientId: w1 }],
      [5, 'WHS_006', 'WR-S', { field: 'warehouses', clientId: w1 }],
    ]);
    const rows = await ctx.sql`
      select coalesce(v.sku, p.sku) as sku, w.client_id, ws.stock from warehouse_stock ws
      join products p on p.id = ws.product_id left join product_variants v on v.id = ws.variant_id
      join warehouses w on w.id = ws.warehouse_id where ws.store_id = ${store.storeId} order by 1, 2`;
    expect(rows.map((r) => [r.sku, r.client_id, r.stock])).toEqual([
      ['WR-A', w1, 4], ['WR-A', w2, 9], ['WR-A', w3, 1],
      ['WR-B', w1, 6], ['WR-B', w2, 4], ['WR-B', w3, 4],
      ['WR-S', w1, 4], ['WR-S', w2, 4], ['WR-S', w3, 4],
    ]);
    const totals = await ctx.sql`
      select coalesce(sku, external_id) as key, stock from products_with_stock where store_id = ${store.storeId}
      union all select sku, stock from product_variants where store_id = ${store.storeId} order by 1`;
    expect(totals.map((t) => [t.key, t.stock])).toEqual([['WR-A', 14], ['WR-B', 14], ['WR-S', 12], ['wr-parent', 28]]);
  });
});
