import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

// A bulk row that carries an id names the product it updates; accept refuses one whose product is
// gone, of the other kind or under another externalId (PRD_005, its reason in context). The same
// can happen between acceptance and processing: the row then fails PRD_005 there, and GET batch
// says why, in the words and shape of accept's refusal of the same row sent then.
let ctx: TestContext;
beforeAll(async () => { ctx = await createTestApp(); });
afterAll(async () => { await ctx.close(); });

const { patch, simpleProduct, productRow } = productPatchHelpers(() => ctx);
const BULK = '/api/v1/partner/stores/products/bulk';
const VARIANTS_BULK = '/api/v1/partner/stores/products/with-variants/bulk';

const batchRows = async (store: TestStore, batchId: string) =>
  (await signedInject(ctx, store, { method: 'GET', url: `/api/v1/partner/stores/batches/${batchId}` })).json().data.rows;

async function processed(store: TestStore, batchId: string) {
  const worker = await startTestWorker(ctx);
  try {
    await waitForBatch(ctx, batchId);
  } finally {
    await worker.stop();
  }
  return batchRows(store, batchId);
}

/**
 * Sends `rows` to `url` while no worker runs, lets `change` act on the store, and then has the
 * batch processed. Answers its rows as GET batch shows them, and those of the same rows sent again
 * afterwards (refused at accept this time) as GET batch shows them.
 */
async function processedAfter(store: TestStore, url: string, rows: unknown[], change: () => Promise<void>) {
  const send = async () => {
    const res = await signedInject(ctx, store, { method: 'POST', url, body: { products: rows } });
    expect(res.statusCode).toBe(200);
    return res.json().data;
  };
  const first = await send();
  expect(first.errors).toEqual([]);
  await change();
  const processing = await processed(store, first.batchId);
  const again = await send();
  return { processing, atAccept: await processed(store, again.batchId) };
}

const failures = (rows: any[]) => rows.filter((r) => r.status === 'FAILED').map((r) => [r.rowIndex, r.code, r.details]);

describe('a bulk row whose product changed between acceptance and processing', () => {
  it('products/bulk: deleted, given variants or renamed since, fails PRD_005 with the reason accept gives', async () => {
    const store = await createTestStore(ctx, 0);
    const [gone, converted, renamed, kept] = await Promise.all(['G', 'C', 'R', 'K'].map((sku) => simpleProduct(store, sku)));
    const row = (id: string, sku: string) => ({ id, externalId: `ext-${sku}`, sku, name: `${sku} updated`, price: 50 });
    const rows = [row(gone, 'G'), row(converted, 'C'), row(renamed, 'R'), row(kept, 'K')];
    const { processing, atAccept } = await processedAfter(store, BULK, rows, async () => {
      await ctx.sql`delete from products where id = ${gone}`;
      expect((await patch(store, converted, { variants: { items: [{ sku: 'C-1', price: 10 }] } })).statusCode).toBe(200);
      expect((await patch(store, renamed, { externalId: 'ext-R2' })).statusCode).toBe(200);
    });
    const failed = (rowIndex: number, sku: string, id: string, reason: string) =>
      [rowIndex, 'PRD_005', { externalId: `ext-${sku}`, sku, retryable: false, context: { id, reason } }];
    expect(failures(processing)).toEqual([
      failed(0, 'G', gone, 'no product of this store has this id'),
      failed(1, 'C', converted, 'the product has variants: update it through products/with-variants/bulk or PATCH'),
      failed(2, 'R', renamed, 'the product\'s externalId is "ext-R2", not the row\'s'),
    ]);
    expect(processing[3]).toMatchObject({ rowIndex: 3, status: 'SUCCEEDED', result: { id: kept, action: 'updated' } });
    expect(failures(atAccept)).toEqual(failures(processing));
    // Neither renamed back nor given a price of its own again.
    expect(await productRow(renamed)).toMatchObject({ external_id: 'ext-R2', name: 'Product' });
    expect(await productRow(converted)).toMatchObject({ has_variants: true, sku: null, price: null });
  });

  it('products/with-variants/bulk: deleted, made simple or renamed since, the same', async () => {
    const store = await createTestStore(ctx, 0);
    const parent = async (key: string) => {
      const [p] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, ${key}, ${key}, true) returning id`;
      await ctx.sql`insert into product_variants (store_id, product_id, sku, price) values (${store.storeId}, ${p.id}, ${`${key}-1`}, 10)`;
      return p.id as string;
    };
    const [gone, simple, renamed, kept] = await Promise.all(['g', 's', 'r', 'k'].map(parent));
    const row = (id: string, key: string) => ({ id, externalId: key, name: `${key} updated`, variants: { items: [{ sku: `${key}-1`, price: 20 }] } });
    const rows = [row(gone, 'g'), row(simple, 's'), row(renamed, 'r'), row(kept, 'k')];
    const { processing, atAccept } = await processedAfter(store, VARIANTS_BULK, rows, async () => {
      await ctx.sql`delete from products where id = ${gone}`;
      expect((await patch(store, simple, { variants: { items: [] } })).statusCode).toBe(200);
      expect((await patch(store, renamed, { externalId: 'r2' })).statusCode).toBe(200);
    });
    const failed = (rowIndex: number, externalId: string, id: string, reason: string) =>
      [rowIndex, 'PRD_005', { externalId, retryable: false, context: { id, reason } }];
    expect(failures(processing)).toEqual([
      failed(0, 'g', gone, 'no product of this store has this id'),
      failed(1, 's', simple, 'the product has no variants: update it through products/bulk or PATCH'),
      failed(2, 'r', renamed, 'the product\'s externalId is "r2", not the row\'s'),
    ]);
    expect(processing[3]).toMatchObject({ rowIndex: 3, status: 'SUCCEEDED', result: { id: kept } });
    expect(failures(atAccept)).toEqual(failures(processing));
    expect(await productRow(renamed)).toMatchObject({ external_id: 'r2', name: 'r' });
  });
});
