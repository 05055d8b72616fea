import type { Sql } from '../../src/db/database.js';

/**
 * BENCH_SMALL_STORES=N: N other stores of the partner's, each with a warehouse and 4 products
 * (3 simple ones with stock, 1 with 2 variants; BENCH_SMALL_STORE_PRODUCTS=1 to 3: that many
 * simple ones, a marketplace of one-product stores at 1), and the quality issues the rules raise on them,
 * analysed before the timed scenarios. That is a marketplace's statistics: a generic plan
 * estimates any store's rows at the table's rows over the stores, a few, however big the
 * store it runs for (docs/performance.md, "The twenty-sixth session").
 */
export async function seedSmallStores(sql: Sql, partnerId: string, stores: number, products = 4) {
  if (stores <= 0) return;
  const started = performance.now();
  await sql.begin(async (tx) => {
    await tx`
      with s as (insert into stores (partner_id, client_id, name)
          select ${partnerId}, 'small-' || g, 'Small store ' || g from generate_series(1, ${stores}::int) g returning id),
        w as (insert into warehouses (store_id, client_id, name) select id, 'WH-1', 'Warehouse 1' from s returning store_id, id),
        p as (insert into products (store_id, external_id, sku, name, price, has_variants)
          select s.id, 'small-' || i, 'SMALL-' || i, 'Small product ' || i, 10, i = 4
          from s, generate_series(1, ${products}::int) i returning store_id, id, has_variants),
        v as (insert into product_variants (store_id, product_id, external_id, sku, options, stock)
          select p.store_id, p.id, 'small-v' || j, 'SMALL-V' || j, jsonb_build_object('Size', j::text), 3
          from p, generate_series(1, 2) j where p.has_variants returning 1),
        ps as (insert into product_stock (store_id, product_id, stock) select store_id, id, 5 from p where not has_variants returning 1)
      insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
      select p.store_id, p.id, w.id, 5 from p join w using (store_id) where not p.has_variants`;
    await tx`select evaluate_quality(p.store_id, array_agg(p.id)) from products p join stores s on s.id = p.store_id
      where s.client_id like 'small-%' group by p.store_id`;
  });
  await sql`analyze`;
  const [{ issues }] = await sql<{ issues: number }[]>`select count(*)::int as issues from validation_issues where not resolved`;
  console.log(`small stores: ${stores} stores, ${stores * products} products, ${issues} open issues, analysed (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
