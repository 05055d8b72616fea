import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { abandonedBatches, abandonedBulkJobs, abandonedDeliveries } from '../../src/jobs/abandoned-work.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { testConfig } from '../helpers/test-app.js';

let sql: Sql;
// A store's history: 2,000 completed batches and bulk jobs, analysed. On empty tables analysed as
// such (0114 analyses batches and bulk_jobs), every index of batches cost the same, and the tie
// went to batches_id_idx, read whole with the predicate a filter; in a live system, completed rows
// are nearly all of them, and the partial indexes are what keeps the sweep from reading them.
beforeAll(async () => {
  sql = connect(testConfig().DATABASE_URL!, 1);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  const { storeId } = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'history', warehouses: 0 });
  await sql`insert into batches (store_id, id, kind, partner_id, request_id, status, total, pending, accepted_seq, completed_at)
    select ${storeId}, 'pb_' || gen_random_uuid(), 'products', s.partner_id, gen_random_uuid(), 'COMPLETED', 1, 0, nextval('batch_accept_seq'), now()
    from stores s, generate_series(1, 2000) where s.id = ${storeId}`;
  await sql`insert into bulk_jobs (store_id, job_type, status, payload, created_by, completed_at)
    select ${storeId}, 'BULK_UPDATE', 'COMPLETED', '{}', 'history', now() from generate_series(1, 2000)`;
  await sql`analyze batches, bulk_jobs`;
});
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
