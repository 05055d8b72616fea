import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { testDatabaseUrl } from '../../test/helpers/test-database.js';
import { createLike, storageOf } from './baseline-tables.js';

const sql = connect(testDatabaseUrl(), 1);
afterAll(() => sql.end());

const shape = async (table: string) => {
  const [t] = await sql<{ options: string[] | null; indexes: number; triggers: number }[]>`
    select c.reloptions as options,
      (select count(*)::int from pg_index i where i.indrelid = c.oid) as indexes,
      (select count(*)::int from pg_trigger g where g.tgrelid = c.oid and not g.tgisinternal) as triggers
    from pg_class c where c.oid = ${table}::regclass`;
  return t;
};

describe('baseline tables', () => {
  it('are shaped as ours: indexes and storage parameters (the fillfactor LIKE leaves out), no triggers', async () => {
    for (const table of ['products', 'product_variants', 'product_stock', 'warehouse_stock']) {
      const ours = await shape(table);
      expect(ours.options?.some((o) => o.startsWith('fillfactor='))).toBe(true);
      await createLike(sql, table, 'bench_like_probe');
      try {
        const theirs = await shape('bench_like_probe');
        expect(theirs.options).toEqual(ours.options);
        expect(theirs.indexes).toBe(ours.indexes);
        expect(theirs.triggers).toBe(0);
      } finally {
        await sql`drop table bench_like_probe`;
      }
    }
  });

  it('adds nothing for a table without storage parameters', async () => {
    expect(await storageOf(sql, 'batches')).toBe('');
    expect(await storageOf(sql, 'warehouse_stock')).toMatch(/^ with \(fillfactor=\d+\)$/);
  });
});
