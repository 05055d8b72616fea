import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { lookupByKey } from '../../src/db/key-lookup.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { readsWhile } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { bigStoreExternalId, seedBigStore, seedOneProductStores } from '../helpers/one-product-stores.js';

// A marketplace of one-product stores that share a key scheme (5,000 stores whose product has the
// externalId and SKU "1", as an ERP's row numbers would give), analysed, then a store of 3,000
// products with long externalIds the statistics have not seen. ANALYZE counted one distinct key:
// without 0115 a key compared with a lateral's value was taken to match every row of the store, the
// key's index cost what any index on the store did, and the tie went to products_store_lower_sku_idx
// (the smaller), the store its only condition: each externalId read the store.
// Half the small stores' products have a variant, all of them SKU "v1", and a fifth of the big
// store's products 3 variants (SKUs of ~100 characters, from the externalIds: its lower(sku) index
// grows larger than the store's other indexes). Without 0116, the duplicate-SKU checks' lower(sku)
// looked like every variant of the store (the index expression's statistics, which n_distinct does
// not reach), and each ran on product_variants_product_idx by the store alone.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let store: string;
let ids: string[];
const externalId = (i: number) => bigStoreExternalId(i, true);
beforeAll(async () => {
  db = await scratchDatabase('omni_sharedkeys');
  sql = connect(db.url, 1);
  for (const t of ['products', 'product_variants']) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  await seedOneProductStores(sql, partner.partnerClientId, { sameKeys: true });
  await sql`analyze stores, products, product_variants`;
  store = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 0 })).storeId;
  ({ ids } = await seedBigStore(sql, store, { long: true }));
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

it('looks 100 externalIds and SKUs of the big store up with one probe a key, not a read of the store', async () => {
  const lookup = async (key: 'external_id' | 'sku', values: string[]) => {
    const { result: rows, read } = await readsWhile(sql, 'products', (tx) =>
      tx`${lookupByKey(tx, { table: 'products', key, storeId: store, values, columns: 'x.id, x.external_id, x.sku, x.has_variants' })}`);
    return { found: rows.length, read };
  };
  const some = Array.from({ length: 100 }, (_, i) => i * 7 + 1);
  // Measured without 0115: 203,869 entries for the externalIds (PostgreSQL 18 and 15).
  expect(await lookup('external_id', some.map(externalId))).toEqual({ found: 100, read: 100 });
  expect(await lookup('sku', some.map((i) => `S${i}`))).toEqual({ found: 100, read: 100 });
});

it('checks the big store\'s SKUs for duplicates with one probe a SKU, not a read of its variants', async () => {
  // evaluate_quality of 100 products, 20 of them with 3 variants: each product's SKU and each
  // variant's looked up among the store's products and variants by lower(sku). Measured without
  // 0116: 288,121 product_variants entries on PostgreSQL 18 (1,800 a check; 181 on 15, whose plan
  // differs), 181 with it.
  const checked = await readsWhile(sql, 'product_variants', (tx) => tx`select evaluate_quality(${store}, ${ids.slice(0, 100)}::uuid[])`);
  expect(checked.read).toBeLessThanOrEqual(200);
  // The holders of 100 of its variants' SKUs (the triggers' reevaluation when SKUs change).
  // Measured without 0116: 180,000 entries (PostgreSQL 18 and 15), 100 with it.
  const skus = Array.from({ length: 100 }, (_, i) => `v${externalId((i + 1) * 5)}-1`);
  const holders = await readsWhile(sql, 'product_variants', (tx) => tx`select reevaluate_duplicate_sku_holders(${store}, ${skus}::text[])`);
  expect(holders.read).toBeLessThanOrEqual(100);
});
