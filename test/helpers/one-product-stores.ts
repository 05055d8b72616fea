import { createHash } from 'node:crypto';
import type { Sql } from '../../src/db/database.js';

/**
 * A marketplace of one-product stores for plan tests and bench/probe-one-product-stores.ts:
 * `stores` stores of the partner's with a product each, half of them with a variant. Keyed
 * distinctly ("x-<store>", "SKU-<store>"), or alike (`sameKeys`: externalId and SKU "1", the
 * variant "v1", as an ERP's row numbers would give). Not analysed: the caller analyses what it needs.
 */
export async function seedOneProductStores(sql: Sql, partnerClientId: string, opts: { stores?: number; sameKeys?: boolean } = {}) {
  const same = opts.sameKeys === true;
  await sql`with s as (insert into stores (partner_id, client_id, name)
      select p.id, 'one-' || g, 'One' from partners p, generate_series(1, ${opts.stores ?? 5000}::int) g
      where p.client_id = ${partnerClientId} returning id),
    p as (insert into products (store_id, external_id, sku, name, price)
      select s.id, case when ${same} then '1' else 'x-' || s.id end, case when ${same} then '1' else 'SKU-' || s.id end, 'One', 10
      from s returning store_id, id)
    insert into product_variants (store_id, product_id, external_id, sku, options)
    select p.store_id, p.id, case when ${same} then 'v1' else 'v-' || p.id end, case when ${same} then 'v1' else 'V-' || p.id end, '{"Size":"M"}'
    from p where random() < 0.5`;
}

/** Product i's externalId in the big store: "e<i>", or ~100 characters with `long` (see seedBigStore). */
export const bigStoreExternalId = (i: number, long = false) =>
  (long ? `e${i}-${createHash('md5').update(String(i)).digest('hex').repeat(3)}` : `e${i}`);

/**
 * The big store's catalog: `products` products (externalId bigStoreExternalId(i, long), SKU "S<i>"),
 * every fifth with 3 variants (SKU "V<externalId>-<j>": ~100 characters with `long`). Returns the
 * products' ids in order and the variants'.
 */
export async function seedBigStore(sql: Sql, storeId: string, opts: { products?: number; long?: boolean } = {}) {
  const ids = (await sql<{ id: string }[]>`insert into products (store_id, external_id, sku, name, price, has_variants)
    select ${storeId}, case when ${opts.long === true} then 'e' || i || '-' || repeat(md5(i::text), 3) else 'e' || i end, 'S' || i, 'n', 10, i % 5 = 0
    from generate_series(1, ${opts.products ?? 3000}::int) i order by i returning id`).map((r) => r.id);
  const variantIds = (await sql<{ id: string }[]>`insert into product_variants (store_id, product_id, external_id, sku, options, price)
    select p.store_id, p.id, p.external_id || '-v' || j, 'V' || p.external_id || '-' || j, jsonb_build_object('Size', j::text), 10
    from products p, generate_series(1, 3) j where p.store_id = ${storeId} and p.has_variants returning id`).map((r) => r.id);
  return { ids, variantIds };
}
