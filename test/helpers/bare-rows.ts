import type { Sql } from '../../src/db/database.js';

/** A product inserted straight into the table (no API, no batch): a row for the triggers and constraints to act on. */
export async function bareProduct(sql: Sql, storeId: string, stock = 0): Promise<string> {
  const [p] = await sql<{ id: string }[]>`insert into products (store_id, name) values (${storeId}, 'P') returning id`;
  if (stock !== 0) await sql`update product_stock set stock = ${stock} where product_id = ${p.id}`;
  return p.id;
}

/** The store's warehouse ids, by name. */
export const warehouseIdsOf = async (sql: Sql, storeId: string): Promise<string[]> =>
  (await sql<{ id: string }[]>`select id from warehouses where store_id = ${storeId} order by name`).map((w) => w.id);

/** A product with variants inserted straight into the tables: its id and its variants' ids by SKU. */
export async function bareVariantProduct(sql: Sql, storeId: string, externalId: string, variants: { sku: string; ext: string }[]) {
  const [p] = await sql<{ id: string }[]>`insert into products (store_id, external_id, name, has_variants) values (${storeId}, ${externalId}, 'Parent', true) returning id`;
  const vs = await sql<{ id: string; sku: string }[]>`insert into product_variants (store_id, product_id, sku, external_id)
    select ${storeId}, ${p.id}, v.sku, v.ext from jsonb_to_recordset(${sql.json(variants as any)}::jsonb) as v(sku text, ext text) returning id, sku`;
  return { productId: p.id, variants: Object.fromEntries(vs.map((v) => [v.sku, v.id])) };
}
