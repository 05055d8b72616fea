import type { Queryable, Sql } from '../db/database.js';

/**
 * A small reference taxonomy. The ids are fixed and include every id the
 * published examples use (seeds 000, 001, 003), so those bodies work as printed
 * against a fresh installation. Seeding is idempotent.
 */
export const TAXONOMY = {
  categories: [
    { id: '2fde2994-28a8-4d09-a128-6d744b9e1323', name: 'Fashion' },
    { id: '79bd35cd-fab7-4f3c-8d1a-4d5a7886ffbc', name: 'Home & Living' },
  ],
  subCategories: [
    { id: '0e882586-c506-4792-a831-02767a68dae2', categoryId: '2fde2994-28a8-4d09-a128-6d744b9e1323', name: 'Tops' },
    { id: '0e882586-c506-4792-a831-02767a6844e2', categoryId: '2fde2994-28a8-4d09-a128-6d744b9e1323', name: 'Bags' },
    { id: '5a543d16-9445-4948-b650-4a9d4ac6de12', categoryId: '79bd35cd-fab7-4f3c-8d1a-4d5a7886ffbc', name: 'Kitchen' },
  ],
  types: [
    { id: 'd86db295-41c3-423d-a2c2-a59724f38316', subCategoryId: '0e882586-c506-4792-a831-02767a68dae2', name: 'T-Shirts' },
    { id: '6c1f3d2e-7a44-4b6e-9d1e-2f0b8a7c5e01', subCategoryId: '0e882586-c506-4792-a831-02767a6844e2', name: 'Backpacks' },
    { id: 'b3b71ff8-001f-44ac-a825-44336df323c4', subCategoryId: '5a543d16-9445-4948-b650-4a9d4ac6de12', name: 'Mugs' },
  ],
  brands: [
    { id: 'addcaa1b-8cdb-4c9a-9e5d-8b0fbbacfaea', name: 'Uniqlo' },
    { id: '3f8e9b1a-2c4d-4e5f-8a7b-9c0d1e2f3a4b', name: 'Bershka' },
  ],
} as const;

/**
 * What `omni serve` logs at start when no category exists: every catalog row naming one (the
 * seeds' examples do) is then refused PRD_007, and nothing said why. Only the demo start seeds
 * the taxonomy; a database of DATABASE_URL starts without one (QA).
 */
export async function emptyTaxonomyWarning(sql: Queryable): Promise<string | undefined> {
  const [{ empty }] = await sql<{ empty: boolean }[]>`select not exists (select from categories) as empty`;
  return empty
    ? 'the reference taxonomy is empty: every product row naming a category, sub-category, type or brand will be refused (PRD_007); '
      + 'run `npx omni admin taxonomy seed` for the reference one (the ids of the published examples), or load the marketplace\'s own'
    : undefined;
}

export async function seedTaxonomy(sql: Sql) {
  await sql.begin(async (tx) => {
    for (const c of TAXONOMY.categories) await tx`insert into categories (id, name) values (${c.id}, ${c.name}) on conflict do nothing`;
    for (const s of TAXONOMY.subCategories) {
      await tx`insert into sub_categories (id, category_id, name) values (${s.id}, ${s.categoryId}, ${s.name}) on conflict do nothing`;
    }
    for (const t of TAXONOMY.types) {
      await tx`insert into product_types (id, sub_category_id, name) values (${t.id}, ${t.subCategoryId}, ${t.name}) on conflict do nothing`;
    }
    for (const b of TAXONOMY.brands) await tx`insert into brands (id, name) values (${b.id}, ${b.name}) on conflict do nothing`;
  });
  return {
    categories: TAXONOMY.categories.map((c) => c.id),
    subCategories: TAXONOMY.subCategories.map((s) => s.id),
    types: TAXONOMY.types.map((t) => t.id),
    brands: TAXONOMY.brands.map((b) => b.id),
  };
}
