import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { createTestApp, createTestStore, signedInject, type TestContext, type TestStore } from '../helpers/test-app.js';
import { startTestWorker, waitForBatch } from '../helpers/worker.js';
import { processBatch } from '../../src/batches/process-batch.js';
import type { Queryable } from '../../src/db/database.js';

// Migration 0090: an externalId is unique per store across products and variants in the database too.
let ctx: TestContext;
let worker: Runner | undefined;
beforeAll(async () => { ctx = await createTestApp(); worker = await startTestWorker(ctx); });
afterAll(async () => { await worker?.stop(); await ctx.close(); });

const SYNC = '/api/v1/partner/stores/catalog/sync';
const VARIANTS_SYNC = '/api/v1/partner/stores/catalog/with-variants/sync';

const simple = (externalId: string, sku: string) => ({ externalId, sku, name: externalId, price: 10 });
const parent = (externalId: string, items: Record<string, unknown>[]) => ({ externalId, name: externalId, variants: { items } });
const outcomesOf = async (batchId: string) => {
  const [{ outcomes }] = await ctx.sql`select outcomes from batches where id = ${batchId}`;
  return (outcomes as any[]).sort((a, b) => a.rowIndex - b.rowIndex).map((o) => [o.rowIndex, o.status, o.code ?? null]);
};
/** How many products and variants of the store hold `externalId`. */
const holders = async (store: TestStore, externalId: string) => {
  const [{ n }] = await ctx.sql`select (select count(*) from products where store_id = ${store.storeId} and external_id = ${externalId})
    + (select count(*) from product_variants where store_id = ${store.storeId} and external_id = ${externalId}) as n`;
  return Number(n);
};
const product = (store: TestStore, externalId: string, sku: string | null = `P-${externalId}`, db: Queryable = ctx.sql) => db`
  insert into products (store_id, external_id, sku, name) values (${store.storeId}, ${externalId}, ${sku}, 'Product') returning id`;
/** A product with variants holding one variant (its SKU `sku`, its externalId `externalId`). */
const variant = async (store: TestStore, externalId: string | null, sku = `V-${externalId}`, db: Queryable = ctx.sql) => {
  const [p] = await db`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, ${`parent-of-${sku}`}, 'V', true) returning id`;
  return db`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${p.id}, ${sku}, ${externalId}) returning id, product_id`;
};
const refusal = (run: Promise<unknown>) => run.then(() => 'written', (e) => [e.code, e.constraint_name]);

/** Accepts the requests with the worker stopped, lets `meanwhile` write, then processes them (two workers). */
async function acceptThenProcess(store: TestStore, requests: [string, unknown][], meanwhile: () => Promise<unknown> = async () => {}) {
  await worker?.stop();
  worker = undefined;
  let second: Runner | undefined;
  try {
    const ids: string[] = [];
    for (const [url, body] of requests) {
      const res = await signedInject(ctx, store, { method: 'POST', url, body });
      expect(res.json().data.errors).toEqual([]);
      ids.push(res.json().data.batchId);
    }
    await meanwhile();
    [worker, second] = await Promise.all([startTestWorker(ctx), startTestWorker(ctx)]);
    return await Promise.all(ids.map((id) => waitForBatch(ctx, id)));
  } finally {
    await second?.stop();
    worker = worker ?? await startTestWorker(ctx);
  }
}

describe('the database', () => {
  it('refuses a variant whose externalId a product of the store holds, and a product whose externalId a variant holds', async () => {
    const [store, other] = [await createTestStore(ctx, 0), await createTestStore(ctx, 0)];
    await product(store, 'by-product');
    await variant(store, 'by-variant');
    expect(await refusal(variant(store, 'by-product'))).toEqual(['23505', 'product_variants_external_id_not_other_table_external_id']);
    expect(await refusal(product(store, 'by-variant'))).toEqual(['23505', 'products_external_id_not_other_table_external_id']);
    // A product with variants holds an externalId and no SKU of its own: refused too.
    expect(await refusal(product(store, 'by-variant', null))).toEqual(['23505', 'products_external_id_not_other_table_external_id']);
    expect([await holders(store, 'by-product'), await holders(store, 'by-variant')]).toEqual([1, 1]);
    // Another store's rows do not count.
    await variant(other, 'by-product');
    await product(other, 'by-variant');
    expect([await holders(other, 'by-product'), await holders(other, 'by-variant')]).toEqual([1, 1]);
  });

  it('refuses an update that gives a product a variant\'s externalId, or a variant a product\'s', async () => {
    const [store, other] = [await createTestStore(ctx, 0), await createTestStore(ctx, 0)];
    const [p] = await product(store, 'p');
    const [v] = await variant(store, 'v');
    expect(await refusal(ctx.sql`update products set external_id = 'v' where store_id = ${store.storeId} and id = ${p.id}`))
      .toEqual(['23505', 'products_external_id_not_other_table_external_id']);
    expect(await refusal(ctx.sql`update product_variants set external_id = 'p' where store_id = ${store.storeId} and id = ${v.id}`))
      .toEqual(['23505', 'product_variants_external_id_not_other_table_external_id']);
    expect(await refusal(ctx.sql`update products set external_id = 'v' where store_id = ${store.storeId} and id = ${v.product_id}`))
      .toEqual(['23505', 'products_external_id_not_other_table_external_id']);
    const [op] = await product(other, 'op');
    const [ov] = await variant(other, 'ov');
    await ctx.sql`update products set external_id = 'v' where store_id = ${other.storeId} and id = ${op.id}`;
    await ctx.sql`update product_variants set external_id = 'p' where store_id = ${other.storeId} and id = ${ov.id}`;
    expect(await ctx.sql`select external_id from products where store_id = ${store.storeId} and id = ${p.id}`).toEqual([{ external_id: 'p' }]);
  });

  it('leaves rows that already share an externalId writable, but for a key taken by the other table', async () => {
    const store = await createTestStore(ctx, 0);
    const [p] = await product(store, 'shared');
    const [v] = await ctx.sql.begin(async (tx) => {
      // As before 0090: the triggers switched off for the one statement.
      const [vp] = await tx`insert into products (store_id, external_id, name, has_variants) values (${store.storeId}, 'vp', 'V', true) returning id`;
      await tx`set local session_replication_role = replica`;
      return tx`insert into product_variants (store_id, product_id, sku, external_id) values (${store.storeId}, ${vp.id}, 'V-1', 'shared') returning id`;
    });
    await product(store, 'free-p', 'FREE-SKU');
    await ctx.sql`update products set name = 'Renamed', sku = 'NEW-SKU' where store_id = ${store.storeId} and id = ${p.id}`;
    await ctx.sql`update product_variants set price = 5, sku = 'V-2' where store_id = ${store.storeId} and id = ${v.id}`;
    expect(await refusal(ctx.sql`update product_variants set external_id = 'free-p' where store_id = ${store.storeId} and id = ${v.id}`))
      .toEqual(['23505', 'product_variants_external_id_not_other_table_external_id']);
    expect(await refusal(ctx.sql`update product_variants set sku = 'FREE-SKU' where store_id = ${store.storeId} and id = ${v.id}`))
      .toEqual(['23505', 'product_variants_sku_not_other_table_sku']);
    await ctx.sql`update products set external_id = 'p-own' where store_id = ${store.storeId} and id = ${p.id}`;
    expect(await holders(store, 'shared')).toBe(1);
  });

  it.each([
    ['a variant waits for a product', (s: TestStore, db: Queryable) => product(s, 'both', 'P', db), (s: TestStore) => variant(s, 'both')],
    ['a variant waits for a product with variants', (s: TestStore, db: Queryable) => product(s, 'both', null, db), (s: TestStore) => variant(s, 'both')],
    ['a product waits for a variant', (s: TestStore, db: Queryable) => variant(s, 'both', 'V', db), (s: TestStore) => product(s, 'both')],
  ])('%s written with its externalId meanwhile, then is refused', async (_what, first, second) => {
    const store = await createTestStore(ctx, 0);
    let commit!: () => void;
    let written!: () => void;
    const isWritten = new Promise<void>((resolve) => { written = resolve; });
    const firstTx = ctx.sql.begin(async (tx) => {
      await first(store, tx);
      written();
      await new Promise<void>((resolve) => { commit = resolve; });
    });
    await isWritten;
    const late = refusal(second(store));
    const early = await Promise.race([late, new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
    commit();
    await firstTx;
    expect([early, (await late as string[])[0]]).toEqual(['waiting', '23505']);
    expect(await holders(store, 'both')).toBe(1);
  });
});

describe('rows accepted before another writer took their externalId', () => {
  it('ends a race of a product and a variant with one externalId with one holder; the other row fails (PRD_002)', async () => {
    const store = await createTestStore(ctx, 0);
    const batches = await acceptThenProcess(store, [
      [SYNC, { products: [simple('raced', 'RACED-P'), simple('p-ok', 'P-OK')] }],
      [VARIANTS_SYNC, { products: [parent('vp', [{ sku: 'RACED-V', externalId: 'raced' }]), parent('vp-ok', [{ sku: 'V-OK' }])] }],
    ]);
    // Either may be written first: the other's row fails, and the rest of both apply.
    expect(batches.map((b) => [b.status, b.succeeded + b.failed])).toEqual([['COMPLETED', 2], ['COMPLETED', 2]]);
    expect(batches[0].failed + batches[1].failed).toBe(1);
    expect(await holders(store, 'raced')).toBe(1);
    const outcomes = await Promise.all(batches.map((b) => outcomesOf(b.id)));
    expect(outcomes.flat().filter(([, status]) => status === 'FAILED')).toEqual([[0, 'FAILED', 'PRD_002']]);
  });

  it.each([
    ['a product', SYNC, simple('taken', 'SKU-P'), simple('fine', 'SKU-FINE'), (s: TestStore) => variant(s, 'taken')],
    ['a variant', VARIANTS_SYNC, parent('vp', [{ sku: 'SKU-V', externalId: 'taken' }]), parent('fine', [{ sku: 'SKU-FINE' }]),
      (s: TestStore) => product(s, 'taken')],
    ['a product with variants', VARIANTS_SYNC, parent('taken', [{ sku: 'SKU-V' }]), parent('fine', [{ sku: 'SKU-FINE' }]),
      (s: TestStore) => variant(s, 'taken')],
  ])('fails %s whose externalId the other table took after acceptance (PRD_002); the other row applies', async (_what, url, row, fine, take) => {
    const store = await createTestStore(ctx, 0);
    const [batch] = await acceptThenProcess(store, [[url, { products: [row, fine] }]], () => take(store));
    expect(batch).toMatchObject({ status: 'COMPLETED', succeeded: 1, failed: 1 });
    expect(await outcomesOf(batch.id)).toEqual([[0, 'FAILED', 'PRD_002'], [1, 'SUCCEEDED', null]]);
    expect(await holders(store, 'taken')).toBe(1);
  });
});

describe('writers of variants', () => {
  /**
   * Runs the two writes of `write` while a transaction that wrote a product of the store (the
   * store's key lock, shared) is open, and answers how they ended and how many transactions held
   * the lock once both waited for it. Each should wait before its first write, holding none of
   * it: one that wrote its products first holds it shared while it waits to take it exclusive for
   * its variants, and two such deadlock (as soon as the first transaction ends).
   */
  async function behindAProductWriter(store: TestStore, write: () => Promise<unknown>[]) {
    let commit!: () => void;
    let written!: () => void;
    const isWritten = new Promise<void>((resolve) => { written = resolve; });
    const holder = ctx.sql.begin(async (tx) => {
      await product(store, 'holder', 'HOLDER', tx);
      written();
      await new Promise<void>((resolve) => { commit = resolve; });
    });
    await isWritten;
    let ended = 0;
    const writes = write().map((w) => w.then(() => 'done', (e) => e.code ?? e.message).finally(() => { ended++; }));
    let locks = { waiting: 0, holding: 0 };
    // (One that ended already: deadlocked, 40P01.)
    while (locks.waiting + ended < 2) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [locks] = await ctx.sql<{ waiting: number; holding: number }[]>`
        select count(*) filter (where not granted)::int as waiting, count(distinct pid) filter (where granted)::int as holding
        from pg_locks where locktype = 'advisory' and objid::bigint = (hashtext(${store.storeId}::text)::bigint & 4294967295)`;
    }
    commit();
    await holder;
    return { holding: locks.holding, ended: await Promise.all(writes) };
  }

  it('makes two with-variants chunks of a store wait for each other before they write, not deadlock', async () => {
    const store = await createTestStore(ctx, 0);
    await worker?.stop();
    worker = undefined;
    try {
      const ids: string[] = [];
      for (const n of [1, 2]) {
        const body = { products: [parent(`p${n}`, [{ sku: `P${n}-1`, externalId: `p${n}-v` }])] };
        ids.push((await signedInject(ctx, store, { method: 'POST', url: VARIANTS_SYNC, body })).json().data.batchId as string);
      }
      expect(await behindAProductWriter(store, () => ids.map((id) => processBatch(ctx.sql, store.storeId, id, 100))))
        .toEqual({ holding: 1, ended: ['done', 'done'] });
      for (const id of ids) expect(await outcomesOf(id)).toEqual([[0, 'SUCCEEDED', null]]);
    } finally {
      worker = await startTestWorker(ctx);
    }
  });

  it('makes two PATCHes with variants that change their products\' externalIds wait for each other before they write', async () => {
    const store = await createTestStore(ctx, 0);
    const ids = await Promise.all([1, 2].map(async (n) => (await product(store, `x${n}`, `X${n}`))[0].id as string));
    const patched = await behindAProductWriter(store, () => ids.map((id, n) => signedInject(ctx, store, {
      method: 'PATCH', url: `/api/v1/partner/stores/products/${id}`,
      body: { externalId: `y${n}`, variants: { items: [{ sku: `Y${n}-1`, externalId: `y${n}-v` }] } },
    }).then((res) => expect(res.statusCode).toBe(200))));
    expect(patched).toEqual({ holding: 1, ended: ['done', 'done'] });
  });
});
