import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { emptyTaxonomyWarning, seedTaxonomy } from '../../src/catalog/taxonomy.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A database of DATABASE_URL starts without the reference taxonomy (only the demo start seeds it),
// and every catalog row naming a category was refused PRD_007 with nothing saying why (QA):
// `omni serve` now logs this warning at start.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
beforeAll(async () => {
  db = await scratchDatabase('omni_taxonomy');
  sql = connect(db.url, 1);
  await sql`truncate categories, sub_categories, product_types, brands cascade`;
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe('the start on a database without a taxonomy', () => {
  it('warns, naming the command that seeds it, until a category exists', async () => {
    expect(await emptyTaxonomyWarning(sql)).toMatch(/^the reference taxonomy is empty: .*PRD_007.*npx omni admin taxonomy seed/);
    await seedTaxonomy(sql);
    expect(await emptyTaxonomyWarning(sql)).toBeUndefined();
  });
});
