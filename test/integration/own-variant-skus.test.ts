import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, signedInject, type TestContext } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { createPimActor, openDuplicateSkus, type PimActor } from '../helpers/pim.js';
import { duplicateSkuRechecksDone } from '../helpers/duplicate-sku-rechecks.js';

/**
 * DUPLICATE_SKU and a product's own variants (0106): the SKU of a simple product and the SKU of
 * one of its own variants, deactivated when it was made simple, are one product's, not a
 * duplicate of it; a different product's SKU, or a different product's variant's, still is.
 * The products and variants are written through the Partner API as a partner writes them; the
 * issues are read back through the PIM API.
 */
let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const { patch } = productPatchHelpers(() => ctx);

/**
 * The open DUPLICATE_SKU issues once the store's follow-ups (0123) have run: a follow-up of an
 * earlier write that read before a rename committed raises the issue again until the rename's own
 * follow-up runs (a PostgreSQL 15 CI run read the list in between).
 */
const duplicates = async (actor: PimActor) => {
  await duplicateSkuRechecksDone(ctx, actor.storeId);
  return openDuplicateSkus(ctx, actor);
};

/** Simple products created by catalog/sync (name: SKU), answered by their ids. */
async function syncProducts(actor: PimActor, products: Record<string, string>) {
  const body = { products: Object.entries(products).map(([name, sku]) => ({ externalId: `ext-${name}`, name, sku, price: 10, description: 'Described' })) };
  const res = await signedInject(ctx, actor.store, { method: 'POST', url: '/api/v1/partner/stores/catalog/sync', body });
  expect(res.statusCode).toBe(200);
  expect((await waitForBatch(ctx, res.json().data.batchId)).failed).toBe(0);
  const rows = await ctx.sql<{ name: string; id: string }[]>`select name, id from products where store_id = ${actor.storeId} and name = any(${Object.keys(products)})`;
  return Object.fromEntries(rows.map((r) => [r.name, r.id]));
}

/** PATCH /products/{id}, which must be accepted. */
async function patched(actor: PimActor, id: string, body: unknown) {
  const res = await patch(actor.store, id, body);
  expect(res.statusCode, res.body).toBe(200);
}

/**
 * P: a product that had the variants `skus`, made simple again (a variant set of `items: []`
 * deactivates them and keeps them with their SKUs), then given the SKU `own` of its own by a
 * PATCH (a product made simple takes a SKU in a PATCH of its own).
 */
async function madeSimpleWithOwnSku(actor: PimActor, own: string, skus = ['abc', 'def'], name = 'P') {
  const { [name]: p } = await syncProducts(actor, { [name]: `${name}-1` });
  await patched(actor, p, { variants: { items: skus.map((sku) => ({ sku, price: 5 })) } });
  await patched(actor, p, { variants: { items: [] } });
  await patched(actor, p, { sku: own, price: 7 });
  const variants = await ctx.sql`select sku, is_active from product_variants where product_id = ${p} order by sku`;
  expect(variants.map((v) => `${v.sku}:${v.is_active}`).sort()).toEqual(skus.map((s) => `${s}:false`).sort());
  return p;
}

describe('DUPLICATE_SKU of a simple product whose own SKU is one of its own deactivated variants\' in another case', () => {
  it('is not raised: the product is no duplicate of itself', async () => {
    const actor = await createPimActor(ctx);
    const p = await madeSimpleWithOwnSku(actor, 'ABC');
    expect(await duplicates(actor)).toEqual([]);
    // Evaluated again, with every product of the store: still nothing.
    const ids = (await ctx.sql<{ id: string }[]>`select id from products where store_id = ${actor.storeId}`).map((r) => r.id);
    expect(ids).toEqual([p]);
    await ctx.sql`select evaluate_quality(${actor.storeId}::uuid, ${ids}::uuid[])`;
    expect(await duplicates(actor)).toEqual([]);
    // The exact case is refused outright (0085: a deactivated variant still holds its SKU, against its own product too).
    const taken = await patch(actor.store, p, { sku: 'abc' });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'PRD_003']);
  });

  it('is raised when a different product holds the SKU, and resolves on both when it gives it up or is deleted', async () => {
    const actor = await createPimActor(ctx);
    const p = await madeSimpleWithOwnSku(actor, 'ABC');
    // Q holds 'aBc': P's own SKU and P's deactivated variant's, both in another case.
    const { Q: q } = await syncProducts(actor, { Q: 'aBc' });
    // P, the other holder, evaluated with Q (0118).
    expect(await duplicates(actor)).toEqual([
      'P: Another product or variant of the store has the SKU ABC',
      'Q: Another product or variant of the store has the SKU aBc',
    ]);
    await patched(actor, p, { description: 'Described again' });
    expect(await duplicates(actor)).toEqual([
      'P: Another product or variant of the store has the SKU ABC',
      'Q: Another product or variant of the store has the SKU aBc',
    ]);
    // Q renamed: 0088 evaluates P again (it holds 'abc' itself and through its variant); only its own variant is left.
    await patched(actor, q, { sku: 'Q-2' });
    expect(await duplicates(actor)).toEqual([]);

    // Back again, then Q deleted: the deletion's trigger evaluates P again.
    await patched(actor, q, { sku: 'aBc' });
    await patched(actor, p, { description: 'Described a third time' });
    expect(await duplicates(actor)).toHaveLength(2);
    const deletion = await signedInject(ctx, actor.store, { method: 'POST', url: '/api/v1/partner/stores/products/deletions', body: { ids: [q] } });
    expect(deletion.statusCode).toBe(200);
    await waitForBatch(ctx, deletion.json().data.batchId);
    expect(await duplicates(actor)).toEqual([]);
  });

  it('is raised when a different product\'s variant, active or deactivated, holds the SKU', async () => {
    const actor = await createPimActor(ctx);
    const p = await madeSimpleWithOwnSku(actor, 'ABC');
    // R's variant holds 'Abc'; R raises its issue at its variant set.
    const { R: r } = await syncProducts(actor, { R: 'R-1' });
    await patched(actor, r, { variants: { items: [{ sku: 'Abc', price: 5 }] } });
    await patched(actor, p, { description: 'Described again' });
    const raised = [
      'P: Another product or variant of the store has the SKU ABC',
      'R: Another product or variant of the store has the SKU Abc of its variant',
    ];
    expect(await duplicates(actor)).toEqual(raised);
    // R made simple: its variant deactivated still holds 'Abc' (0103), for both sides.
    await patched(actor, r, { variants: { items: [] } });
    await patched(actor, p, { description: 'Described a third time' });
    expect(await duplicates(actor)).toEqual([raised[0], 'R: Another product or variant of the store has the SKU Abc of its deactivated variant']);
  });

  it('is still raised for two variants of the product that share a SKU in another case', async () => {
    const actor = await createPimActor(ctx);
    // Two distinct variants, deactivated both; the product's own SKU is a third.
    await madeSimpleWithOwnSku(actor, 'P-OWN', ['v-1', 'V-1']);
    // The message names the first of them in the database's collation.
    const [issue, ...more] = await duplicates(actor);
    expect(more).toEqual([]);
    expect(issue).toMatch(/^P: Another product or variant of the store has the SKU (v-1|V-1) of its deactivated variant$/);
  });
});

describe('migration 0106, on the issues raised before it', () => {
  it('evaluates again the simple products with an open DUPLICATE_SKU whose own SKU one of their variants holds in another case', async () => {
    const actor = await createPimActor(ctx);
    const p = await madeSimpleWithOwnSku(actor, 'ABC');
    // S, the same, but its SKU also held by a different product: its issue is a true one.
    await madeSimpleWithOwnSku(actor, 'XYZ', ['xyz'], 'S');
    await syncProducts(actor, { Q: 'Xyz' });
    // S, the other holder, evaluated with Q (0118).
    expect(await duplicates(actor)).toEqual([
      'Q: Another product or variant of the store has the SKU Xyz',
      'S: Another product or variant of the store has the SKU XYZ',
    ]);
    // As evaluate_quality left them before 0106: P at fault through its own variant, S through its own.
    await ctx.sql`insert into validation_issues (store_id, product_id, code, severity, message)
      select ${actor.storeId}, id, 'DUPLICATE_SKU', 'ERROR', 'Another product or variant of the store has the SKU '
        || lower(sku) || ' of its deactivated variant' from products where store_id = ${actor.storeId} and name in ('P', 'S')
      on conflict (store_id, product_id, code) where not resolved do update set message = excluded.message`;
    const migration = await readFile(new URL('../../migrations/0106.do.own-variant-skus.sql', import.meta.url), 'utf8');
    await ctx.sql.unsafe(migration.slice(migration.indexOf('-- The simple products whose open DUPLICATE_SKU')));
    expect(await duplicates(actor)).toEqual([
      'Q: Another product or variant of the store has the SKU Xyz',
      'S: Another product or variant of the store has the SKU XYZ',
    ]);
    const [issue] = await ctx.sql`select resolved, resolved_at from validation_issues where product_id = ${p} and code = 'DUPLICATE_SKU'`;
    expect(issue.resolved).toBe(true);
    expect(issue.resolved_at).not.toBeNull();
  });
});
