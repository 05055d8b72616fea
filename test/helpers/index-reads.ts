import type { Queryable } from '../../src/db/database.js';

/** How many entries of validation_issues' indexes this transaction's statements read. */
export async function issueIndexEntriesRead(tx: Queryable) {
  const [{ n }] = await tx<{ n: number }[]>`select coalesce(sum(pg_stat_get_xact_tuples_returned(i.indexrelid)), 0)::int as n
    from pg_index i where i.indrelid = 'validation_issues'::regclass`;
  return n;
}
