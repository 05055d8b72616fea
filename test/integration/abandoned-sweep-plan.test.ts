import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { abandonedBatches, abandonedBulkJobs, abandonedDeliveries } from '../../src/jobs/abandoned-work.js';
import { testConfig } from '../helpers/test-app.js';

let sql: Sql;
beforeAll(() => { sql = connect(testConfig().DATABASE_URL!, 1); });
afterAll(async () => { await sql.end(); });

/** The index names under a node (a Bitmap Heap Scan reads its indexes through Bitmap Index Scan children). */
function indexesUnder(node: any): string[] {
  return [...(node['Index Name'] ? [node['Index Name']] : []), ...(node.Plans ?? []).flatMap(indexesUnder)];
}

/**
 * Every relation scanned in a JSON plan, with the index it was read through (if any). Which of
 * an Index Scan or a Bitmap Heap Scan the planner picks depends on the table's rows and statistics
 * (the full suite, with more batches, got the bitmap plan where this file alone got the index
 * scan), so both count, and the test asks for each.
 */
function scans(node: any): { relation: string; index?: string }[] {
  const index = node['Node Type'] === 'Bitmap Heap Scan' ? indexesUnder(node).join(',') : node['Index Name'];
  const own = node['Relation Name'] ? [{ relation: node['Relation Name'], index }] : [];
  const below = node['Node Type'] === 'Bitmap Heap Scan' ? [] : (node.Plans ?? []).flatMap(scans);
  return [...own, ...below];
}

describe('the abandoned-work sweep (abandoned:fail)', () => {
  // The test database holds a few rows, on which any plan is cheap: sequential scans are priced
  // out so that the plan shows whether the queries can use the partial indexes at all (a
  // predicate written otherwise than the index's would leave a sequential scan, priced out or not).
  const queries = [
    ['batches', abandonedBatches, 'batches_unfinished_idx'],
    ['bulk_jobs', abandonedBulkJobs, 'bulk_jobs_unfinished_idx'],
    ['webhook_deliveries', abandonedDeliveries, 'webhook_deliveries_unfinished_idx'],
  ] as const;
  const plans = [['an index scan', []], ['a bitmap scan', ['set local enable_indexscan = off']]] as const;
  it.each(plans.flatMap(([kind, settings]) => queries.map(([table, query, index]) => [table, kind, query, index, settings] as const)))(
    'reads %s through the partial index of unfinished rows (0091, 0097) in %s', async (table, _kind, query, index, settings) => {
      const plan = await sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        for (const setting of settings) await tx.unsafe(setting);
        const [{ 'QUERY PLAN': [p] }] = await tx`explain (format json) ${query(tx as unknown as Sql, 15)}`;
        return p.Plan;
      });
      expect(scans(plan).filter((s) => s.relation === table)).toEqual([{ relation: table, index }]);
    });
});
