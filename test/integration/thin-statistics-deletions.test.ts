import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { GROWING_TABLES } from '../../src/db/statistics.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { processBatch } from '../../src/batches/process-batch.js';
import { acceptDeletionRows } from '../../src/catalog/product-deletions.js';
import { acceptVariantProductRows } from '../../src/catalog/variant-product-rows.js';
import '../../src/catalog/variant-product-batches.js';
import { refuseInvertedPrices } from '../../src/catalog/variant-set.js';
import type { PlannedItem } from '../../src/catalog/variant-set-plan.js';
import { createBulkJob } from '../../src/pim/bulk-jobs.js';
import { processBulkJob } from '../../src/pim/bulk-job-processing.js';
import { indexEntriesRead, spreadStatisticsThin } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A marketplace's statistics (2,000 small stores, analysed), then a store of 3,000 products
// (one in five with two variants) that they know nothing of: the store is estimated at a few
// rows. A statement finding rows by `store_id = … and id = any(…)` then read the whole store
// through an index whose only condition is the store (products_store_lower_sku_idx,
// product_variants_store_lower_sku_idx), the ids a mere filter. The paths below find each row
// by its id (src/db/rows-by-key.ts): ~100 keys read a few hundred index entries, not 3,000. A deletion
// also ran reevaluate_duplicate_sku_holders once per statement and once per product with variants,
// each reading the store's products and variants (fixed by 0109): 66,100 entries for 100 products.
// A database of its own, on one connection: its index statistics (pg_stat_user_indexes) count
// only this file's statements, whichever transactions the path under test opens.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let storeId: string;
let partnerId: string;
const origin = { requestId: randomUUID(), ip: '127.0.0.1' };
const STORE_PRODUCTS = 3000;
const STORE_VARIANTS = 1200;

beforeAll(async () => {
  db = await scratchDatabase('omni_del');
  sql = connect(db.url, 1);
  for (const table of GROWING_TABLES) await sql.unsafe(`alter table ${table} set (autovacuum_enabled = false)`);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  ({ storeId } = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 1 }));
  [{ id: partnerId }] = await sql<{ id: string }[]>`select id from partners where client_id = ${partner.partnerClientId}`;
  await spreadStatisticsThin(sql, partner.partnerClientId);
  await sql`insert into products (store_id, external_id, sku, name, price, special_price, has_variants)
    select ${storeId}, 'e' || i, case when i % 5 <> 0 then 'S' || i end, 'Product ' || i, case when i % 5 <> 0 then 10 end,
      case when i % 5 <> 0 then 5 end, i % 5 = 0
    from generate_series(1, ${STORE_PRODUCTS}::int) i`;
  await sql`insert into product_variants (store_id, product_id, external_id, sku, options, price, special_price)
    select p.store_id, p.id, p.external_id || '-v' || j, 'V' || p.external_id || '-' || j, jsonb_build_object('Size', j::text), 10, 5
    from products p, generate_series(1, 2) j where p.store_id = ${storeId} and p.has_variants`;
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

/** The entries of `table`'s indexes (or of one, `index`) read in this database so far (this file's one connection's, flushed). */
async function indexReads(table: string, index?: string) {
  await sql`select pg_stat_force_next_flush()`;
  await sql`select pg_stat_clear_snapshot()`;
  const [{ n }] = await sql<{ n: number }[]>`select coalesce(sum(idx_tup_read), 0)::int as n from pg_stat_user_indexes
    where relname = ${table} and indexrelname = coalesce(${index ?? null}::text, indexrelname)`;
  return n;
}

/** The index entries of `table` (or of its `index`) that `run` reads. */
async function readsOf(table: string, run: () => Promise<unknown>, index?: string) {
  const before = await indexReads(table, index);
  await run();
  return (await indexReads(table, index)) - before;
}

/** The ids of the store's products from external id e<from> to e<to>, in that order. */
const productIds = async (from: number, to: number) => (await sql<{ id: string }[]>`
  select id from products where store_id = ${storeId} and external_id = any(${Array.from({ length: to - from + 1 }, (_, k) => `e${from + k}`)})
  order by substr(external_id, 2)::int`).map((r) => r.id);

/** What a store's products leave behind: product, variant, stock rows, for these product ids. */
const leftOf = async (ids: string[]) => (await sql<{ n: number }[]>`
  select ((select count(*) from products where store_id = ${storeId} and id = any(${ids}::uuid[]))
    + (select count(*) from product_variants where store_id = ${storeId} and product_id = any(${ids}::uuid[]))
    + (select count(*) from product_stock where store_id = ${storeId} and product_id = any(${ids}::uuid[]))
    + (select count(*) from warehouse_stock where store_id = ${storeId} and product_id = any(${ids}::uuid[])))::int as n`)[0].n;

describe("a big store on a marketplace's statistics: 100 rows by id read about as many index entries, not the store", () => {
  it('POST /products/deletions: the accept finds the products, the processing deletes them with their variants and stock rows', async () => {
    const ids = await productIds(1, 100); // 20 of them with 2 variants each
    expect(await leftOf(ids)).toBeGreaterThan(100);
    let batchId = '';
    const accepted = await readsOf('products', async () => {
      ({ batchId } = await sql.begin((tx) => acceptDeletionRows(tx, { storeId, partnerId }, origin, ids)));
    });
    expect(accepted).toBeLessThan(300); // 3,000 before: the whole store
    const processed = await readsOf('products', () => processBatch(sql, storeId, batchId, 1000));
    expect(processed).toBeLessThan(1000); // 66,100 before (with 0110, the helper's version of 0109's fix, alone: 3,180, the DELETE's own read of the store)
    expect(await leftOf(ids)).toBe(0);
    const [{ outcomes }] = await sql<{ outcomes: { status: string }[] }[]>`select outcomes from batches where id = ${batchId}`;
    expect(outcomes.filter((o) => o.status === 'SUCCEEDED')).toHaveLength(100);
  }, 60_000);

  it('PIM bulk jobs: an update of products with variants is refused (PRD_011) and a deletion deletes, reading each product by its id', async () => {
    const who = { userId: 'u', email: 'pim@example.com', role: 'editor' as const, orgId: 'o', tenantId: 't', storeId, partnerId };
    const withVariants = (await productIds(101, 600)).filter((_, k) => (k + 1) % 5 === 0); // e105, e110, …: 100 products
    const update = await sql.begin((tx) => createBulkJob(tx, who, 'BULK_UPDATE', withVariants.map((id) => ({ id, price: 12 })), origin));
    const updated = await readsOf('products', () => processBulkJob(sql, storeId, update.id, who.email));
    expect(updated).toBeLessThan(300); // 600 before (PostgreSQL 15: the store's products with variants), 3,000 on 18
    const [u] = await sql`select status, processed_items, failed_items, item_errors->0->>'code' as code from bulk_jobs where id = ${update.id}`;
    expect(u).toEqual({ status: 'FAILED', processed_items: 0, failed_items: 100, code: 'PRD_011' });

    const ids = await productIds(601, 700);
    const deletion = await sql.begin((tx) => createBulkJob(tx, who, 'BULK_DELETE', ids, origin));
    const deleted = await readsOf('products', () => processBulkJob(sql, storeId, deletion.id, who.email));
    expect(deleted).toBeLessThan(1000); // 66,100 before
    expect(await leftOf(ids)).toBe(0);
    const [d] = await sql`select status, processed_items, failed_items from bulk_jobs where id = ${deletion.id}`;
    expect(d).toEqual({ status: 'COMPLETED', processed_items: 100, failed_items: 0 });
  }, 60_000);

  it('products with variants (bulk): the products that take variants are marked so, read by id', async () => {
    const rows = Array.from({ length: 100 }, (_, k) => ({
      externalId: `new-${k}`, name: `New ${k}`, variants: { items: [{ sku: `NEW-${k}-1`, price: 10 }, { sku: `NEW-${k}-2`, price: 11 }] },
    }));
    const { batchId } = await sql.begin((tx) => acceptVariantProductRows(tx, { storeId, partnerId }, origin, rows, 'bulk'));
    const processed = await readsOf('products', () => processBatch(sql, storeId, batchId, 1000));
    expect(processed).toBeLessThan(1000); // 3,500 before: the update of has_variants read the store
    const [p] = await sql`select count(*)::int as n, count(*) filter (where has_variants)::int as with_variants
      from products where store_id = ${storeId} and external_id like 'new-%'`;
    expect(p).toEqual({ n: 100, with_variants: 100 });
  }, 60_000);

  it("PATCH with a variant set: the prices written are checked variant by variant, not over the store's every variant", async () => {
    // The check itself (refuseInvertedPrices), called as applyVariantSet calls it after its writes: the
    // path's other statements still read the store's variants on such statistics (the update of the
    // rewritten variants, a hash join by the store; refuseTakenKeys' probes), which this does not count.
    const variants = await sql<{ id: string; sku: string }[]>`select v.id, v.sku from product_variants v join products p
      on p.store_id = v.store_id and p.id = v.product_id where v.store_id = ${storeId} and p.external_id = any(${['e1500', 'e1505']}) order by v.sku`;
    const planned = (prices: { price?: number; specialPrice?: number }[]) => variants.map((v, index) => ({
      index, match: { id: v.id, sku: v.sku, external_id: null, is_active: true }, item: { sku: v.sku, ...prices[index] }, placement: { kind: 'none' },
    })) as unknown as PlannedItem[];
    await sql`update product_variants set special_price = 25 where id = ${variants[3].id}`;
    const check = (prices: { price?: number; specialPrice?: number }[]) => sql.begin(async (tx) => {
      const before = await indexEntriesRead(tx, 'product_variants');
      const refused = await refuseInvertedPrices(tx, storeId, planned(prices), []).then(() => null, (err) => err);
      return { read: (await indexEntriesRead(tx, 'product_variants')) - before, refused };
    });
    // Read from the stored rows (the check runs after the writes): the 4th is inverted, but sends no price.
    const fine = await check([{ price: 20 }, { price: 20, specialPrice: 15 }, { specialPrice: 9 }, {}]);
    expect(fine).toEqual({ read: expect.any(Number), refused: null });
    expect(fine.read).toBeLessThan(100); // 1,396 before: the store's every variant
    // An item that sends a price and leaves it at or below the stored specialPrice is refused (PRD_008).
    const refused = await check([{ price: 20 }, {}, { specialPrice: 9 }, { price: 10 }]);
    expect(refused.read).toBeLessThan(100);
    expect(refused.refused).toMatchObject({ code: 'PRD_008' });
  }, 60_000);
});

describe('a deletion and a concurrent update of one of its products (READ COMMITTED)', () => {
  it('deletes the product updated meanwhile, once: found and locked by id, deleted by ctid in a later statement (rows-by-key.ts)', async () => {
    const ids = await productIds(2001, 2010);
    const { batchId } = await sql.begin((tx) => acceptDeletionRows(tx, { storeId, partnerId }, origin, ids));
    const other = connect(db.url, 1);
    try {
      let deletion: Promise<unknown> | undefined;
      await other.begin(async (tx) => {
        await tx`update products set name = 'Renamed' where store_id = ${storeId} and id = ${ids[4]}`;
        deletion = processBatch(sql, storeId, batchId, 1000);
        // The deletion waits for the update's lock on that row, then the update commits.
        for (let n = 0; (await tx<{ n: number }[]>`select count(*)::int as n from pg_locks where not granted`)[0].n === 0; n++) {
          if (n > 500) throw new Error('the deletion never waited for the update');
          await new Promise((r) => setTimeout(r, 10));
        }
      });
      await deletion;
    } finally {
      await other.end();
    }
    expect(await leftOf(ids)).toBe(0);
    const [{ outcomes }] = await sql<{ outcomes: { status: string }[] }[]>`select outcomes from batches where id = ${batchId}`;
    expect(outcomes.map((o) => o.status)).toEqual(ids.map(() => 'SUCCEEDED'));
    const [audit] = await sql`select changes->'before'->>'name' as name from audit_events where store_id = ${storeId} and resource_id = ${ids[4]} and action = 'product.deleted'`;
    expect(audit.name).toBe('Renamed'); // the version the update committed
  }, 60_000);
});
