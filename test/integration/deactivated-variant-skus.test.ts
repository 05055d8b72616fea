import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { startTestWorker } from '../helpers/worker.js';
import { productPatchHelpers } from '../helpers/product-patch.js';
import { duplicateSkuRechecksDone } from '../helpers/duplicate-sku-rechecks.js';
import { createPimActor, openDuplicateSkus, runJob, type PimActor } from '../helpers/pim.js';

let ctx: TestContext;
let worker: Runner;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker.stop(); await ctx.close(); });

const { patch, simpleProduct } = productPatchHelpers(() => ctx);

// Read once the store's DUPLICATE_SKU follow-ups (0123) have run: one still queued from an earlier
// write could evaluate the products again after the read (a CI run saw P's issue back for a moment).
const duplicates = async (actor: PimActor) => {
  await duplicateSkuRechecksDone(ctx, actor.storeId);
  return openDuplicateSkus(ctx, actor);
};

const OF_P = 'P: Another product or variant of the store has the SKU abc of its variant';
const OF_P_DEACTIVATED = 'P: Another product or variant of the store has the SKU abc of its deactivated variant';
const OF_Q = 'Q: Another product or variant of the store has the SKU ABC';

/** P, a product whose variant holds 'abc' (through a PATCH variant set), and its variant's id. */
async function productWithVariant(actor: PimActor, items: unknown[] = [{ sku: 'abc', price: 5 }]) {
  const p = await simpleProduct(actor.store, 'P-1', { name: 'P', description: 'Described' });
  expect((await patch(actor.store, p, { variants: { items } })).statusCode).toBe(200);
  const [variant] = await ctx.sql`select id from product_variants where product_id = ${p} and sku = 'abc'`;
  return { p, variantId: variant.id as string };
}

/**
 * Q, a simple product holding 'ABC' (the rule ignores case; the unique checks of 0085 do not),
 * imported by a PIM job; or another simple product named and holding `sku`.
 */
async function importQ(actor: PimActor, sku = 'ABC', title = 'Q') {
  const job = await runJob(ctx, actor, 'BULK_IMPORT', [{ title, sku, description: 'Described', price: 10 }]);
  expect(job.status).toBe('COMPLETED');
  const [q] = await ctx.sql`select id from products where store_id = ${actor.storeId} and sku = ${sku}`;
  return q.id as string;
}

/** P with its variant 'abc', Q imported holding 'ABC', then P made simple again (its variant deactivated, kept). */
async function madeSimpleBesideQ() {
  const actor = await createPimActor(ctx);
  const { p, variantId } = await productWithVariant(actor);
  await importQ(actor);
  expect((await patch(actor.store, p, { variants: { items: [] } })).statusCode).toBe(200);
  return { actor, p, variantId };
}

describe('DUPLICATE_SKU and the SKU of a deactivated variant (it still holds it: 0085, PATCH /inventory, the export)', () => {
  it('stays open on both sides when the variant is deactivated, reactivated, and its product made simple again', async () => {
    const actor = await createPimActor(ctx);
    const { p, variantId } = await productWithVariant(actor, [{ sku: 'abc', price: 5 }, { sku: 'def', price: 5 }]);
    await importQ(actor);
    // Q's import flags Q; P learns of it when it is evaluated again (the reverse is not watched).
    expect((await patch(actor.store, p, { description: 'Described again' })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([OF_P, OF_Q]);

    // 'abc' left out of the set: deactivated, P still has variants.
    expect((await patch(actor.store, p, { variants: { items: [{ sku: 'def', price: 5 }] } })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
    // Named again: reactivated.
    expect((await patch(actor.store, p, { variants: { items: [{ id: variantId, sku: 'abc', price: 5 }, { sku: 'def', price: 5 }] } })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([OF_P, OF_Q]);
    // Made simple again: both variants deactivated, kept with their SKUs. P used to lose its issue
    // here (its variants were read only while it had variants) while Q kept its own.
    expect((await patch(actor.store, p, { variants: { items: [] } })).statusCode).toBe(200);
    const [row] = await ctx.sql`select has_variants from products where id = ${p}`;
    expect(row.has_variants).toBe(false);
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
  });

  it('is raised on the simple product whose deactivated variant holds the SKU, and resolves on both when the other holder gives it up', async () => {
    const actor = await createPimActor(ctx);
    const { p } = await productWithVariant(actor);
    expect((await patch(actor.store, p, { variants: { items: [] } })).statusCode).toBe(200);
    // The deactivated variant still holds 'abc' (0085): not even its own product may take it.
    const taken = await patch(actor.store, p, { sku: 'abc' });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'PRD_003']);
    const q = await importQ(actor);
    // P, the other holder, evaluated with Q (0118): its deactivated variant's SKU counts for it too.
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
    // And again (a PATCH of a rule's column): the same.
    expect((await patch(actor.store, p, { description: 'Described again' })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
    // Q renamed: 0088 evaluates again the other holders of 'abc', P through its deactivated variant.
    expect((await patch(actor.store, q, { sku: 'Q-2' })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([]);
  });

  it('resolves on both when the deactivated variant of the simple product gives the SKU up', async () => {
    const { actor, p, variantId } = await madeSimpleBesideQ();
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
    // The only way a variant's SKU changes is a set naming it (which reactivates it); left out again after.
    expect((await patch(actor.store, p, { variants: { items: [{ id: variantId, sku: 'abc-2', price: 5 }] } })).statusCode).toBe(200);
    expect((await patch(actor.store, p, { variants: { items: [] } })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([]);
  });
});

describe('the message of a simple product at fault through its deactivated variant', () => {
  it('names the variant\'s SKU, not the product\'s own SKU that no one else holds', async () => {
    const { actor, p } = await madeSimpleBesideQ();
    expect((await patch(actor.store, p, { sku: 'P-OWN', price: 7 })).statusCode).toBe(200);
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
    // Its own SKU taken too (a second simple product holds it in another case): it names its own.
    await importQ(actor, 'p-own', 'p-own');
    expect(await duplicates(actor)).toContain('p-own: Another product or variant of the store has the SKU p-own');
    expect((await patch(actor.store, p, { description: 'Described again' })).statusCode).toBe(200);
    expect(await duplicates(actor)).toContain('P: Another product or variant of the store has the SKU P-OWN');
  });
});

describe('migration 0103, on products made simple before it', () => {
  it('raises DUPLICATE_SKU for a simple product whose deactivated variant shares a SKU in another case', async () => {
    const { actor, p } = await madeSimpleBesideQ();
    // As that PATCH left it before 0103: P's issue resolved, Q's open (once its follow-ups ran, 0122).
    await duplicateSkuRechecksDone(ctx, actor.storeId);
    await ctx.sql`update validation_issues set resolved = true, resolved_at = now() where product_id = ${p}`;
    expect(await duplicates(actor)).toEqual([OF_Q]);
    const migration = await readFile(new URL('../../migrations/0103.do.deactivated-variant-skus.sql', import.meta.url), 'utf8');
    await ctx.sql.unsafe(migration.slice(migration.indexOf('-- The simple products whose')));
    expect(await duplicates(actor)).toEqual([OF_P_DEACTIVATED, OF_Q]);
  });
});
