import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { readBatch } from '../../src/batches/batch-store.js';
import { listBatches } from '../../src/batches/batch-list.js';
import { getBulkJob } from '../../src/pim/bulk-jobs.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { readsWhile } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A marketplace of stores with one batch and one PIM bulk job each (5,000), analysed, then a store
// of 3,000 of each that the statistics have not seen. ANALYZE counted a store per row: without
// 0114's floor the big store was estimated at one row or fewer, its (store_id, accepted_seq) and
// (store_id, job_type, created_at) indexes looked as cheap as the key, and a lookup by the store
// and an id read the store's rows through them, the id a filter.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let store: string;
let partnerId: string;
let batchIds: string[];
let requestIds: string[];
let jobIds: string[];
beforeAll(async () => {
  db = await scratchDatabase('omni_onebatch');
  sql = connect(db.url, 1);
  for (const t of ['batches', 'bulk_jobs']) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  [{ id: partnerId }] = await sql<{ id: string }[]>`select id from partners where client_id = ${partner.partnerClientId}`;
  /** `n` batches and bulk jobs of each of the stores. */
  const fill = (stores: string[], n: number) => sql<{ id: string; request_id: string; job: string }[]>`
    with b as (insert into batches (store_id, id, kind, partner_id, request_id, total, pending, accepted_seq)
        select s, 'pb_' || gen_random_uuid(), 'products', ${partnerId}, gen_random_uuid(), 10, 0, nextval('batch_accept_seq')
        from unnest(${stores}::uuid[]) s, generate_series(1, ${n}::int) returning store_id, id, request_id),
      j as (insert into bulk_jobs (store_id, job_type, payload, created_by)
        select s, 'BULK_UPDATE', '{}', 'probe' from unnest(${stores}::uuid[]) s, generate_series(1, ${n}::int) returning id)
    select b.id, b.request_id, j.id as job from (select *, row_number() over () as n from b) b join (select *, row_number() over () as n from j) j using (n)`;
  const small = (await sql<{ id: string }[]>`insert into stores (partner_id, client_id, name)
    select ${partnerId}, 'one-' || g, 'One' from generate_series(1, 5000) g returning id`).map((r) => r.id);
  await fill(small, 1);
  await sql`analyze stores, batches, bulk_jobs`;
  store = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 0 })).storeId;
  const big = await fill([store], 3000);
  batchIds = big.map((r) => r.id);
  requestIds = big.map((r) => r.request_id);
  jobIds = big.map((r) => r.job);
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

it('reads a batch of the big store by its id and by its request with one index entry, not the store\'s batches', async () => {
  // Measured without 0114: 3,000 each (PostgreSQL 18 and 15).
  const byId = await readsWhile(sql, 'batches', (tx) => readBatch(tx, { storeId: store, partnerId }, { batchId: batchIds[1500] }, 1, 10));
  expect({ id: byId.result?.view.batchId, read: byId.read }).toEqual({ id: batchIds[1500], read: 1 });
  const byRequest = await readsWhile(sql, 'batches', (tx) => readBatch(tx, { storeId: store, partnerId }, { requestId: requestIds[1500] }, 1, 10));
  expect({ id: byRequest.result?.view.batchId, read: byRequest.read }).toEqual({ id: batchIds[1500], read: 1 });
});

it('reads a bulk job of the big store with one index entry, not the store\'s jobs', async () => {
  // Measured without 0114: 3,000 (PostgreSQL 18 and 15).
  const job = await readsWhile(sql, 'bulk_jobs', (tx) => getBulkJob(tx, store, jobIds[1500]));
  expect({ id: (job.result as any)?.id, read: job.read }).toEqual({ id: jobIds[1500], read: 1 });
});

it("lists the batches another partner sent to the big store, and counts them, from their own index entries, not the store's", async () => {
  // The store moved to another partner, which sent it 5 batches and 3,000 to a store of its own:
  // its list (and count) of the big store read the store's 3,000 or the partner's, and filtered
  // them by the other column from the table, until 0154 (review).
  const other = await createPartner(sql, randomBytes(32), { name: 'q' });
  const [{ id: otherId }] = await sql<{ id: string }[]>`select id from partners where client_id = ${other.partnerClientId}`;
  const own = (await createStore(sql, { partnerClientId: other.partnerClientId, name: 'own', warehouses: 0 })).storeId;
  for (const [into, n] of [[store, 5], [own, 3000]] as const) {
    await sql`insert into batches (store_id, id, kind, partner_id, request_id, total, pending, accepted_seq)
      select ${into}, 'pb_' || gen_random_uuid(), 'products', ${otherId}, gen_random_uuid(), 10, 0, nextval('batch_accept_seq') from generate_series(1, ${n}::int)`;
  }
  await sql`analyze batches`;
  const listed = await readsWhile(sql, 'batches', (tx) => listBatches(tx, { storeId: store, partnerId: otherId }, {}, 1, 20));
  expect(listed.result.total).toBe(5);
  expect(listed.read).toBeLessThan(20);
});
