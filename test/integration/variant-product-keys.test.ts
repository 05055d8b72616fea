import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';

let ctx: TestContext;
let worker: Runner | undefined;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker?.stop(); await ctx.close(); });

const SYNC = '/api/v1/partner/stores/catalog/with-variants/sync';
const BULK = '/api/v1/partner/stores/products/with-variants/bulk';

const parent = (externalId: string, items: Record<string, unknown>[]) => ({ externalId, name: externalId, variants: { items } });
const codes = (data: any) => data.errors.map((e: any) => [e.rowIndex, e.code]);
const outcomesOf = async (batchId: string) => {
  const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
  return (outcomes as any[]).sort((a, b) => a.rowIndex - b.rowIndex);
};
const productsOf = async (store: TestStore) => ctx.sql`
  select p.external_id, p.has_variants, coalesce(array_agg(v.sku order by v.sku) filter (where v.sku is not null), '{}') as skus
  from products p left join product_variants v on v.store_id = p.store_id and v.product_id = p.id
  where p.store_id = ${store.storeId} group by p.external_id, p.has_variants order by p.external_id`;

/** Accepts `body` with the worker stopped, lets `meanwhile` take keys, then processes the batch. */
async function acceptThenRace(store: TestStore, url: string, body: unknown, meanwhile: () => Promise<unknown>) {
  await worker?.stop();
  worker = undefined;
  try {
    const res = await signedInject(ctx, store, { method: 'POST', url, body });
    expect(res.json().data.errors).toEqual([]);
    await meanwhile();
    worker = await startTestWorker(ctx);
    return await waitForBatch(ctx, res.json().data.batchId);
  } finally {
    worker = worker ?? await startTestWorker(ctx);
  }
}

describe('variant externalIds', () => {
  it('refuses a variant externalId repeated in the row or request (PRD_004) or taken in the store (PRD_002)', async () => {
    const store = await createTestStore(ctx, 0);
    const [taken] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'old', 'Old', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${taken.id}, 'OLD-1', 'old-v1')`;
    await ctx.sql`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'simple', 'SIMPLE', 'Simple')`;
    const products = [
      parent('twice-in-row', [{ sku: 'A-1', externalId: 'v-a' }, { sku: 'A-2', externalId: 'v-a' }]),
      parent('first', [{ sku: 'B-1', externalId: 'v-b' }]),
      parent('again-in-request', [{ sku: 'C-1', externalId: 'v-b' }]),
      parent('like-a-parent', [{ sku: 'D-1', externalId: 'first' }]),
      parent('own-parent', [{ sku: 'E-1', externalId: 'own-parent' }]),
      parent('variant-taken', [{ sku: 'F-1', externalId: 'old-v1' }]),
      parent('product-taken', [{ sku: 'G-1', externalId: 'simple' }]),
      parent('fine', [{ sku: 'H-1', externalId: 'v-h' }]),
    ];
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products } });
    const { data } = res.json();
    expect(codes(data)).toEqual([[0, 'PRD_004'], [2, 'PRD_004'], [3, 'PRD_004'], [4, 'PRD_004'], [5, 'PRD_002'], [6, 'PRD_002']]);
    expect(data.errors[0].details.context).toMatchObject({ field: 'variants.items.1.externalId' });
    expect(data.errors[4].details.context).toMatchObject({ field: 'variants.items.0.externalId' });
    const batch = await waitForBatch(ctx, data.batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 6 });
  });

  it('keeps a variant its own externalId when products/with-variants/bulk updates it', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [parent('tee', [{ sku: 'T-1', externalId: 't-1' }])] } });
    await waitForBatch(ctx, res.json().data.batchId);
    const [p] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'tee'`;
    const update = { id: p.id, ...parent('tee', [{ sku: 'T-1', externalId: 't-1', price: 3 }, { sku: 'T-2', externalId: 't-1' }]) };
    const refused = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [update] } });
    expect(codes(refused.json().data)).toEqual([[0, 'PRD_004']]);
    update.variants.items.pop();
    const ok = await signedInject(ctx, store, { method: 'POST', url: BULK, body: { products: [update] } });
    expect(ok.json().data.errors).toEqual([]);
    expect(await waitForBatch(ctx, ok.json().data.batchId)).toMatchObject({ status: 'COMPLETED', succeeded: 1 });
  });

  it('fails a row whose variant externalId was taken after acceptance (PRD_002); the chunk\'s other rows apply', async () => {
    const store = await createTestStore(ctx, 0);
    const body = { products: [parent('p1', [{ sku: 'P1-1', externalId: 'p1-v' }]), parent('p2', [{ sku: 'P2-1', externalId: 'p2-v' }])] };
    const batch = await acceptThenRace(store, SYNC, body, async () => {
      const [other] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'other', 'Other', true) returning id`;
      await ctx.sql`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${other.id}, 'OTHER-1', 'p1-v')`;
    });
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1, failed: 1 });
    const outcomes = await outcomesOf(batch.id);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code ?? null])).toEqual([[0, 'FAILED', 'PRD_002'], [1, 'SUCCEEDED', null]]);
    expect(outcomes[1].result.variants).toEqual([{ sku: 'P2-1', id: expect.any(String) }]);
    expect(await productsOf(store)).toEqual([
      { external_id: 'other', has_variants: true, skus: ['OTHER-1'] }, { external_id: 'p2', has_variants: true, skus: ['P2-1'] }]);
  });
});

describe('variant SKUs taken during processing', () => {
  it('fails the whole row (PRD_003) and creates nothing of it; the chunk\'s other rows apply', async () => {
    const store = await createTestStore(ctx, 0);
    const body = { products: [
      parent('p1', [{ sku: 'P1-1' }, { sku: 'SHARED' }]), parent('p2', [{ sku: 'P2-1' }]), parent('p3', [{ sku: 'P3-1' }]),
    ] };
    const batch = await acceptThenRace(store, SYNC, body, async () => {
      const [other] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'other', 'Other', true) returning id`;
      await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${other.id}, 'SHARED')`;
    });
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 2, failed: 1 });
    const outcomes = await outcomesOf(batch.id);
    expect(outcomes.map((o) => [o.rowIndex, o.status, o.code ?? null])).toEqual([[0, 'FAILED', 'PRD_003'], [1, 'SUCCEEDED', null], [2, 'SUCCEEDED', null]]);
    // As a row refused at acceptance tells it: the field and the SKU under context.
    expect(outcomes[0].details).toEqual({ externalId: 'p1', retryable: false, context: { field: 'variants.items.1.sku', sku: 'SHARED' } });
    expect(await productsOf(store)).toEqual([
      { external_id: 'other', has_variants: true, skus: ['SHARED'] },
      { external_id: 'p2', has_variants: true, skus: ['P2-1'] }, { external_id: 'p3', has_variants: true, skus: ['P3-1'] }]);
  });

  it('leaves no product without its variants when concurrent requests share a SKU', async () => {
    const store = await createTestStore(ctx, 0);
    const second = await startTestWorker(ctx);
    try {
      const responses = await Promise.all([1, 2, 3].map((n) => signedInject(ctx, store, {
        method: 'POST', url: SYNC, body: { products: [parent(`c${n}`, [{ sku: `C${n}-OWN` }, { sku: 'C-SHARED' }])] } })));
      const batches = await Promise.all(responses.map((r) => waitForBatch(ctx, r.json().data.batchId)));
      const outcomes = (await Promise.all(batches.map((b) => outcomesOf(b.id)))).flat();
      expect(outcomes.filter((o) => o.status === 'SUCCEEDED')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'FAILED').map((o) => o.code)).toEqual(outcomes.length === 1 ? [] : Array(outcomes.length - 1).fill('PRD_003'));
      const products = await productsOf(store);
      expect(products).toHaveLength(1);
      expect([...products[0].skus].sort()).toEqual(['C-SHARED', expect.stringMatching(/^C\d-OWN$/)]);
    } finally { await second.stop(); }
  });
});

describe('keys shared by simple products and variants', () => {
  const simple = (externalId: string, sku: string) => ({ externalId, sku, name: externalId, price: 10 });

  it('refuses a product whose externalId a variant holds (PRD_002), on every creating endpoint', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [parent('tee', [{ sku: 'T-1', externalId: 't-1' }])] } });
    await waitForBatch(ctx, res.json().data.batchId);
    for (const [n, url] of ['/api/v1/partner/stores/catalog/sync', '/api/v1/partner/stores/products/bulk'].entries()) {
      const refused = await signedInject(ctx, store, { method: 'POST', url, body: { products: [simple('t-1', `S-${n}`), simple(`free-${n}`, `F-${n}`)] } });
      expect(codes(refused.json().data)).toEqual([[0, 'PRD_002']]);
      await waitForBatch(ctx, refused.json().data.batchId);
    }
    const parentRow = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [parent('t-1', [{ sku: 'X-1' }])] } });
    expect(codes(parentRow.json().data)).toEqual([[0, 'PRD_002']]);
    const holders = await ctx.sql`select count(*)::int as n from products where store_id = ${store.storeId} and external_id = 't-1'`;
    expect(holders[0].n).toBe(0);
  });

  const productRow = (store: TestStore, sku: string) => ctx.sql`
    insert into products (store_id, external_id, sku, name) values (${store.storeId}, ${`p-${sku}`}, ${sku}, 'Product')`;
  const variantRow = async (store: TestStore, sku: string) => {
    const [p] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, ${`v-${sku}`}, 'V', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${p.id}, ${sku})`;
  };

  it.each([
    ['a variant', SYNC, parent('vp', [{ sku: 'OWN' }, { sku: 'SAME' }]), productRow],
    ['a product', '/api/v1/partner/stores/catalog/sync', simple('sp', 'SAME'), variantRow],
  ])('fails %s whose SKU the other table took after acceptance (PRD_003)', async (_what, url, row, takeSku) => {
    const store = await createTestStore(ctx, 0);
    const batch = await acceptThenRace(store, url, { products: [row] }, () => takeSku(store, 'SAME'));
    expect(batch).toMatchObject({ status: 'FAILED', succeeded: 0, failed: 1 });
    expect((await outcomesOf(batch.id)).map((o) => o.code)).toEqual(['PRD_003']);
    const [{ n }] = await ctx.sql`select (select count(*) from products where store_id = ${store.storeId} and sku = 'SAME')
      + (select count(*) from product_variants where store_id = ${store.storeId} and sku = 'SAME') as n`;
    expect(Number(n)).toBe(1);
    expect(await productsOf(store)).not.toContainEqual(expect.objectContaining({ external_id: row.externalId }));
  });

  it('makes a variant wait for a product written with its SKU meanwhile, then refuses it', async () => {
    const store = await createTestStore(ctx, 0);
    const [vp] = await ctx.sql`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'vp', 'V', true) returning id`;
    let commit!: () => void;
    let written!: () => void;
    const isWritten = new Promise<void>((resolve) => { written = resolve; });
    const first = ctx.sql.begin(async (tx) => {
      await tx`insert into products (store_id, external_id, sku, name) values (${store.storeId}, 'p', 'BOTH', 'P')`;
      written();
      await new Promise<void>((resolve) => { commit = resolve; });
    });
    await isWritten;
    const second = ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${vp.id}, 'BOTH')`.then(() => 'written', (e) => e.code);
    const early = await Promise.race([second, new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
    commit();
    await first;
    expect([early, await second]).toEqual(['waiting', '23505']);
  });
});

describe('a products/with-variants/bulk update whose product was made simple after acceptance', () => {
  // At accept such a row is PRD_005 (it updates a product with variants); processed later, it
  // turned the product back into one with variants and left it its own SKU and price.
  it('fails PRD_005 and leaves the product simple, with its own SKU and price', async () => {
    const store = await createTestStore(ctx, 0);
    const res = await signedInject(ctx, store, { method: 'POST', url: SYNC, body: { products: [parent('shirt', [{ sku: 'S-1' }])] } });
    await waitForBatch(ctx, res.json().data.batchId);
    const [p] = await ctx.sql`select id from products where store_id = ${store.storeId} and external_id = 'shirt'`;
    const url = `/api/v1/partner/stores/products/${p.id}`;
    const batch = await acceptThenRace(store, BULK, { products: [{ id: p.id, ...parent('shirt', [{ sku: 'S-2' }]) }] }, async () => {
      expect((await signedInject(ctx, store, { method: 'PATCH', url, body: { variants: { items: [] } } })).statusCode).toBe(200);
      expect((await signedInject(ctx, store, { method: 'PATCH', url, body: { sku: 'OWN', price: 9 } })).statusCode).toBe(200);
    });
    expect(batch).toMatchObject({ status: 'FAILED', succeeded: 0, failed: 1 });
    expect((await outcomesOf(batch.id)).map((o: any) => [o.rowIndex, o.code])).toEqual([[0, 'PRD_005']]);
    const [after] = await ctx.sql`select has_variants, sku, price::float8 as price from products where id = ${p.id}`;
    expect(after).toEqual({ has_variants: false, sku: 'OWN', price: 9 });
    const active = await ctx.sql`select sku from product_variants where product_id = ${p.id} and is_active`;
    expect(active).toEqual([]);
  });
});
