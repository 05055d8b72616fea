import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

/**
 * The work of evaluate_quality's DUPLICATE_SKU check on an import's new products: a product's own
 * SKU is looked up once, however many issues the product raises. 0103 moved that lookup into a
 * lateral subquery of its own, which PostgreSQL inlined into each place that read it, so it ran
 * again for every issue a product raised (4 lookups a product raising two, 2 under 0100).
 */
const sql = connect(testDatabaseUrl(), 1);
afterAll(() => sql.end());

const PRODUCTS = 1000;

/** A store of `PRODUCTS` new simple products, each raising MISSING_PHOTOS and LOW_QUALITY_SCORE; with a product with a variant if asked. */
async function storeOfNewProducts(withVariants: boolean) {
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  const { storeId } = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 's', warehouses: 0 });
  if (withVariants) {
    await sql`with owners as (
        insert into products (store_id, external_id, name, has_variants)
        select ${storeId}::uuid, 'v-' || g, 'V', true from generate_series(1, ${PRODUCTS}::int) g returning id)
      insert into product_variants (store_id, product_id, sku, price) select ${storeId}::uuid, id, 'vs-' || id, 5 from owners`;
  }
  const ids = (await sql<{ id: string }[]>`
    insert into products (store_id, external_id, sku, name, price, description)
    select ${storeId}::uuid, 'e-' || g, 's-' || g, 'n' || g, 10, 'Described' from generate_series(1, ${PRODUCTS}::int) g
    returning id`).map((r) => r.id);
  await sql`analyze products, product_variants`;
  return { storeId, ids };
}

/** How many times evaluate_quality searched each lower(sku) index (this transaction's own counts). */
async function skuProbes(storeId: string, ids: string[]) {
  return sql.begin(async (tx) => {
    const count = () => tx<{ products: number; variants: number }[]>`
      select pg_stat_get_xact_numscans('products_store_lower_sku_idx'::regclass)::int as products,
        pg_stat_get_xact_numscans('product_variants_store_lower_sku_idx'::regclass)::int as variants`;
    const [before] = await count();
    await tx`select evaluate_quality(${storeId}::uuid, ${ids}::uuid[])`;
    const [after] = await count();
    const [issues] = await tx<{ n: number }[]>`select count(*)::int as n from validation_issues where store_id = ${storeId} and not resolved`;
    return { products: after.products - before.products, variants: after.variants - before.variants, issues: issues.n };
  });
}

describe('evaluate_quality on an import of new products (DUPLICATE_SKU)', () => {
  // Whether the store has variants is one more search of the store's variants, through whichever
  // index the plan takes (this one leads with store_id): 0 or 1 here.
  it('looks a product\'s SKU up once among the products, in a store without variants', async () => {
    const { storeId, ids } = await storeOfNewProducts(false);
    const probes = await skuProbes(storeId, ids);
    expect(probes.issues).toBe(2 * PRODUCTS);
    expect(probes.products).toBe(PRODUCTS);
    expect([0, 1]).toContain(probes.variants);
  });

  it('looks it up once among the products and once among the variants, in a store with variants', async () => {
    const { storeId, ids } = await storeOfNewProducts(true);
    const probes = await skuProbes(storeId, ids);
    expect(probes.issues).toBe(2 * PRODUCTS);
    expect(probes.products).toBe(PRODUCTS);
    expect([PRODUCTS, PRODUCTS + 1]).toContain(probes.variants);
  });
});
