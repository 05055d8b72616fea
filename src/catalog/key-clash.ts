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
 * that want an externalId or SKU another product or a variant of the store holds (PRD_002,
 * PRD_003), or one an earlier row of the same set wants: one query for the set, run only
 * once its UPDATE failed on a unique key (product-writer.ts). A variant's SKU fails the
 * UPDATE too (migration 0085's trigger, whichever product the variant is of, its own
 * included), so any variant's SKU is looked for here: were it not found, every row of the
 * set would fail with it.
 * `offset 0` keeps that last check a probe per row: tied to the row by the SKU alone, it was
 * otherwise run once as a hashed subplan, which reads every variant of the store, on any
 * statistics (100 rows, PostgreSQL 15, medians: a 25,000-product store's 15,000 variants on
 * normal statistics, 30-37 ms against 1.5-1.6 ms; 3,000 on a marketplace's, 2.8-4.1 against 1.5-2.1).
 */
export async function findUpdateClashes(sql: Queryable, storeId: string, rows: { i: number; id?: string; x: Record<string, unknown> }[]) {
  const store = unseenStore(sql, storeId);
  const held = await sql<{ i: number; code: 'PRD_002' | 'PRD_003' }[]>`
    select u.i, case when k.external_id then 'PRD_002' else 'PRD_003' end as code
    from jsonb_to_recordset(${sql.json(rows as any)}::jsonb) as u (i int, id uuid, x jsonb)
    cross join lateral (select
        exists (select from products o where o.store_id = ${store} and o.id <> u.id and o.external_id = u.x->>'external_id')
          or exists (select from product_variants v where v.store_id = ${store} and v.product_id <> u.id and v.external_id = u.x->>'external_id')
          as external_id,
        exists (select from products o where o.store_id = ${store} and o.id <> u.id and o.sku = u.x->>'sku')
          or exists (select from product_variants v where v.store_id = ${store} and v.sku = u.x->>'sku' offset 0) as sku) as k
    where k.external_id or k.sku`;
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

/**
 * Why a bulk row's `id` does not name the product it may update (PRD_005's context.reason), or
 * undefined when it does: a partner told only "does not match" could not tell a typo from a
 * product sent to the wrong endpoint.
 */
export function rowIdMismatch(current: { has_variants: boolean; external_id: string | null } | undefined, externalId: string | null, withVariants: boolean) {
  if (!current) return 'no product of this store has this id';
  if (current.has_variants !== withVariants) {
    return current.has_variants
      ? 'the product has variants: update it through products/with-variants/bulk or PATCH'
      : 'the product has no variants: update it through products/bulk or PATCH';
  }
  if (current.external_id !== externalId) return `the product's externalId is ${JSON.stringify(current.external_id)}, not the row's`;
  return undefined;
}

/** A PRD_002 or PRD_003 refusal's context: the field and the key that clashed (the variant-set paths named the field alone: QA). */
export const keyClashContext = (clash: 'PRD_002' | 'PRD_003', fields: { externalId?: unknown; sku?: unknown }) =>
  (clash === 'PRD_002' ? { field: 'externalId', externalId: fields.externalId } : { field: 'sku', sku: fields.sku });
