import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { TAXONOMY } from '../../src/catalog/taxonomy.js';

const URL = '/api/v1/partner/stores/catalog/sync';
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

/** A product that passes every rule: a long description, 3 photos, a category, weight and dimensions (score 75). */
const good = (key: string, extra: Record<string, unknown> = {}) => ({
  externalId: `ext-${key}`, name: `Product ${key}`, sku: key, price: 1000, weight: 100, dimensions: { length: 10, width: 10, height: 10 },
  description: 'A complete description of a product that has everything a good listing needs, and is long enough for the score.',
  photos: [1, 2, 3].map((n) => `https://cdn.example.com/${key}/${n}.jpg`), categoryId: TAXONOMY.categories[0].id, stock: 1, ...extra,
});

async function sync(store: Awaited<ReturnType<typeof createTestStore>>, products: unknown[], url = URL) {
  const res = await signedInject(ctx, store, { method: 'POST', url, body: { products } });
  expect(res.json().data.errors ?? []).toEqual([]);
  await waitForBatch(ctx, res.json().data.batchId);
}

const openIssues = async (storeId: string) => (await ctx.sql<{ sku: string; code: string }[]>`
  select p.sku, vi.code from validation_issues vi join products p on p.id = vi.product_id
  where vi.store_id = ${storeId} and not vi.resolved`).map((r) => `${r.sku}:${r.code}`).sort();

describe('data-quality rules of products created in bulk', () => {
  it('raises exactly the issues evaluate_quality raises, and none for a product that passes every rule', async () => {
    const store = await createTestStore(ctx, 0);
    await sync(store, [good('Dup-A')]);
    const [parent] = await ctx.sql<{ id: string }[]>`insert into products (store_id, name, has_variants) values (${store.storeId}, 'Parent', true) returning id`;
    await ctx.sql`insert into product_variants (store_id, product_id, sku) values (${store.storeId}, ${parent.id}, 'VAR-1')`;
    await sync(store, [
      good('clean'),
      good('dup-a'), // the store's product Dup-A, case aside
      good('twin-x'), good('TWIN-X'), // each other, in one chunk
      good('var-1'), // another product's variant
      good('barcoded', { barcode: '4006381333932' }), // a wrong check digit
      { externalId: 'ext-bare', name: 'Bare', sku: 'bare', price: 5, stock: 1 },
    ]);
    const raised = await openIssues(store.storeId);
    expect(raised).toEqual([
      'bare:LOW_QUALITY_SCORE', 'bare:MISSING_DESCRIPTION', 'bare:MISSING_PHOTOS', 'dup-a:DUPLICATE_SKU',
      'barcoded:INVALID_BARCODE', 'twin-x:DUPLICATE_SKU', 'TWIN-X:DUPLICATE_SKU', 'var-1:DUPLICATE_SKU',
      // The products that held those SKUs before, evaluated with them (0118): Dup-A, and the
      // parent (no SKU of its own) of VAR-1, inserted above without an evaluation, with all of its issues.
      'Dup-A:DUPLICATE_SKU', 'null:DUPLICATE_SKU', 'null:LOW_QUALITY_SCORE', 'null:MISSING_DESCRIPTION', 'null:MISSING_PHOTOS',
    ].sort());
    // The rules over every product of the store, read back, find nothing more nor less.
    const ids = (await ctx.sql<{ id: string }[]>`select id from products where store_id = ${store.storeId}`).map((r) => r.id);
    await ctx.sql`select evaluate_quality(${store.storeId}::uuid, ${ids}::uuid[])`;
    expect(await openIssues(store.storeId)).toEqual(raised);
  });

  it('tells a description of whitespace alone, of any kind, as none: MISSING_DESCRIPTION, and no points of the score (0136)', async () => {
    const store = await createTestStore(ctx, 0);
    await sync(store, [
      good('ws-tab', { description: '\n\t\n' }), good('ws-nbsp', { description: '\u00a0\u00a0' }), good('ws-ideo', { description: '\u3000' }),
      // 120 spaces: 25 points of the score made 50, and the product flagged with no description escaped LOW_QUALITY_SCORE.
      { externalId: 'ext-spaces', name: 'Spaces', sku: 'spaces', price: 5, stock: 1, photos: ['https://cdn.example.com/s.jpg'], description: ' '.repeat(120) },
      // Whitespace around a description is not counted, and takes nothing from it.
      good('trailing', { description: `${good('x').description}\n\n\u00a0` }),
    ]);
    expect(await openIssues(store.storeId)).toEqual([
      'spaces:LOW_QUALITY_SCORE', 'spaces:MISSING_DESCRIPTION', 'ws-ideo:MISSING_DESCRIPTION', 'ws-nbsp:MISSING_DESCRIPTION', 'ws-tab:MISSING_DESCRIPTION',
    ].sort());
    const [{ message }] = await ctx.sql`select vi.message from validation_issues vi join products p on p.id = vi.product_id
      where p.store_id = ${store.storeId} and p.sku = 'spaces' and vi.code = 'LOW_QUALITY_SCORE'`;
    expect(message).toBe('Data quality score 25 is below 50');
  });

  it('tells a description of invisible characters alone as none, and counts none of them (0157: 120 zero-width spaces earned 25 points; Unicode QA)', async () => {
    const store = await createTestStore(ctx, 0);
    const bare = { name: 'Bare', price: 5, stock: 1, photos: ['https://cdn.example.com/s.jpg'] };
    await sync(store, [
      { ...bare, externalId: 'ext-zw', sku: 'zw', description: '\u200b'.repeat(120) },
      { ...bare, externalId: 'ext-fill', sku: 'fill', description: `\u3164 ${String.fromCodePoint(0xe0041).repeat(30)} \u2800` },
      // Text among them counts its own characters: 20 visible ones are a short description (10 points, no issue).
      { ...bare, externalId: 'ext-text', sku: 'text', description: `${'\u200b'.repeat(50)}Twenty letters here.${'\u200b'.repeat(50)}` },
    ]);
    expect(await openIssues(store.storeId)).toEqual([
      'fill:LOW_QUALITY_SCORE', 'fill:MISSING_DESCRIPTION', 'text:LOW_QUALITY_SCORE', 'zw:LOW_QUALITY_SCORE', 'zw:MISSING_DESCRIPTION',
    ].sort());
    const scores = await ctx.sql`select sku, product_quality_score(p) as score from products p where store_id = ${store.storeId} order by sku`;
    expect(scores.map((r) => [r.sku, r.score])).toEqual([['fill', 25], ['text', 35], ['zw', 25]]);
  });

  it("resolves the issues a bulk update fixes, in a chunk that also creates products (the new ones' lookup skipped, 0108)", async () => {
    const store = await createTestStore(ctx, 1);
    const bareParent = (key: string) => ({ externalId: `ext-${key}`, name: key, variants: { items: [{ sku: `${key}-1`, price: 5, stock: 1 }] } });
    await sync(store, [{ externalId: 'ext-bare', name: 'Bare', sku: 'bare', price: 5, stock: 1 }]);
    await sync(store, [bareParent('vp')], '/api/v1/partner/stores/catalog/with-variants/sync');
    const before = await openIssues(store.storeId);
    expect(before).toContain('bare:MISSING_PHOTOS');
    const parentIssues = async () => (await ctx.sql<{ code: string }[]>`select vi.code from validation_issues vi
      join products p on p.id = vi.product_id where p.external_id = 'ext-vp' and p.store_id = ${store.storeId} and not vi.resolved`).map((r) => r.code).sort();
    expect(await parentIssues()).toContain('MISSING_PHOTOS'); // a parent has no SKU of its own
    const { photos, description } = good('x');
    const idOf = async (externalId: string) => (await ctx.sql<{ id: string }[]>`select id from products
      where store_id = ${store.storeId} and external_id = ${externalId}`)[0].id;
    // Each bulk request updates a product (by id: its issues resolve) and creates one (it passes every rule).
    await sync(store, [good('bare', { id: await idOf('ext-bare'), externalId: 'ext-bare' }), good('fresh')], '/api/v1/partner/stores/products/bulk');
    await sync(store, [{ ...bareParent('vp'), id: await idOf('ext-vp'), description, photos }, { ...bareParent('vq'), description, photos }],
      '/api/v1/partner/stores/products/with-variants/bulk');
    expect(await openIssues(store.storeId)).toEqual([]);
    expect(await parentIssues()).not.toContain('MISSING_PHOTOS');
    // The rules over every product of the store, read back, agree.
    const after = [...await openIssues(store.storeId), ...await parentIssues()];
    const ids = (await ctx.sql<{ id: string }[]>`select id from products where store_id = ${store.storeId}`).map((r) => r.id);
    await ctx.sql`select evaluate_quality(${store.storeId}::uuid, ${ids}::uuid[])`;
    expect([...await openIssues(store.storeId), ...await parentIssues()]).toEqual(after);
  });
});
