import type { Queryable } from '../db/database.js';
import { unseenStore } from '../db/key-lookup.js';

/**
 * Whether another product of the store holds this externalId or SKU, a variant of
 * another product this SKU, or any variant this externalId (both keys are unique per
 * store across products and variants): PRD_002 for an externalId, PRD_003 for a SKU,
 * undefined when free.
 */
export async function findKeyClash(sql: Queryable, storeId: string, productId: string, externalId?: string, sku?: string) {
  if (externalId === undefined && sku === undefined) return undefined;
  const [clash] = await sql<{ external_id: string | null }[]>`
    select external_id from products where store_id = ${unseenStore(sql, storeId)} and id <> ${productId}
      and (external_id = ${externalId ?? null} or sku = ${sku ?? null})
    union all
    select null from product_variants where store_id = ${unseenStore(sql, storeId)} and product_id <> ${productId} and sku = ${sku ?? null}
    union all
    select external_id from product_variants where store_id = ${unseenStore(sql, storeId)} and external_id = ${externalId ?? null}
    limit 1`;
  if (!clash) return undefined;
  return clash.external_id !== null && clash.external_id === externalId ? 'PRD_002' as const : 'PRD_003' as const;
}

/**
 * The rows of a set-based update (json rows of `i`, the product `id` and its new columns `x`)
 * that want an externalId or SKU another product of the store holds (PRD_002, PRD_003), or
 * one an earlier row of the same set wants: one query for the set, run only once its
 * UPDATE failed on a unique key (product-writer.ts). Variants are not looked at: only
 * the products' own unique keys fail the UPDATE.
 */
export async function findUpdateClashes(sql: Queryable, storeId: string, rows: { i: number; id?: string; x: Record<string, unknown> }[]) {
  const held = await sql<{ i: number; code: 'PRD_002' | 'PRD_003' }[]>`
    select u.i, case when exists (select from products o where o.store_id = ${unseenStore(sql, storeId)} and o.id <> u.id
        and o.external_id = u.x->>'external_id') then 'PRD_002' else 'PRD_003' end as code
    from jsonb_to_recordset(${sql.json(rows as any)}::jsonb) as u (i int, id uuid, x jsonb)
    where exists (select from products o where o.store_id = ${unseenStore(sql, storeId)} and o.id <> u.id
        and (o.external_id = u.x->>'external_id' or o.sku = u.x->>'sku'))`;
  const clashes = new Map(held.map((h) => [h.i, h.code]));
  const wanted = new Set<string>();
  for (const r of rows) {
    const keys = [['PRD_002', 'external_id'], ['PRD_003', 'sku']] as const;
    for (const [code, column] of keys) {
      const value = r.x[column];
      if (typeof value !== 'string') continue;
      if (wanted.has(`${column}:${value}`) && !clashes.has(r.i)) clashes.set(r.i, code);
      wanted.add(`${column}:${value}`);
    }
  }
  return clashes;
}
