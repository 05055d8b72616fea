import type { Queryable } from '../db/database.js';

type Refs = { categoryId?: string; subCategoryId?: string; typeId?: string; brandId?: string };
const FIELDS = ['categoryId', 'subCategoryId', 'typeId', 'brandId'] as const;

/**
 * Which rows name a category, sub-category, type or brand that does not exist,
 * with one query for the whole request. Only existence is checked: the
 * published examples pair types and sub-categories freely (seed 001).
 */
export async function findUnknownTaxonomy<T extends Refs>(sql: Queryable, rows: T[]): Promise<Map<T, { field: string; id: string }>> {
  // Plain loops: a request carries up to 1,000 rows, and this runs on every accept.
  const sets = Object.fromEntries(FIELDS.map((f) => [f, new Set<string>()])) as Record<(typeof FIELDS)[number], Set<string>>;
  for (const r of rows) for (const f of FIELDS) if (r[f]) sets[f].add(r[f]!);
  const wanted = Object.fromEntries(FIELDS.map((f) => [f, [...sets[f]]])) as Record<(typeof FIELDS)[number], string[]>;
  const found = Object.fromEntries(FIELDS.map((f) => [f, new Set<string>()])) as Record<(typeof FIELDS)[number], Set<string>>;
  if (FIELDS.some((f) => wanted[f].length > 0)) {
    const existing = await sql<{ f: string; id: string }[]>`
      select 'categoryId' as f, id::text from categories where id = any(${wanted.categoryId}::uuid[])
      union all select 'subCategoryId', id::text from sub_categories where id = any(${wanted.subCategoryId}::uuid[])
      union all select 'typeId', id::text from product_types where id = any(${wanted.typeId}::uuid[])
      union all select 'brandId', id::text from brands where id = any(${wanted.brandId}::uuid[])`;
    for (const e of existing) found[e.f as (typeof FIELDS)[number]].add(e.id);
  }
  const unknown = new Map<T, { field: string; id: string }>();
  for (const r of rows) {
    // found holds uuids as PostgreSQL prints them (lower-case); a partner may send any case.
    const field = FIELDS.find((f) => r[f] && !found[f].has(r[f]!.toLowerCase()));
    if (field) unknown.set(r, { field, id: r[field]! });
  }
  return unknown;
}
