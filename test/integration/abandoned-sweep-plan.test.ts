import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { abandonedBatches, abandonedBulkJobs } from '../../src/jobs/abandoned-work.js';
import { testConfig } from '../helpers/test-app.js';

let sql: Sql;
beforeAll(() => { sql = connect(testConfig().DATABASE_URL!, 1); });
afterAll(async () => { await sql.end(); });

/** Every relation scanned in a JSON plan, with the index it was read through (if any). */
function scans(node: any): { relation: string; index?: string }[] {
  const own = node['Relation Name'] ? [{ relation: node['Relation Name'], index: node['Index Name'] }] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scans)];
}

describe('the abandoned-work sweep (abandoned:fail)', () => {
  // The test database holds a few rows, on which any plan is cheap: sequential scans are priced
  // out so that the plan shows whether the queries can use the partial indexes at all (a
  // predicate written otherwise than the index's would leave a sequential scan, priced out or not).
  it.each([
    ['batches', abandonedBatches, 'batches_unfinished_idx'],
    ['bulk_jobs', abandonedBulkJobs, 'bulk_jobs_unfinished_idx'],
  ] as const)('reads %s through the partial index of unfinished rows (0091)', async (table, query, index) => {
    const plan = await sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      const [{ 'QUERY PLAN': [p] }] = await tx`explain (format json) ${query(tx as unknown as Sql, 15)}`;
      return p.Plan;
    });
    expect(scans(plan).filter((s) => s.relation === table)).toEqual([{ relation: table, index }]);
  });
});
