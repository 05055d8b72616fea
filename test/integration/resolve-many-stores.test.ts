import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Queryable, type Sql } from '../../src/db/database.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { issueIndexEntriesRead } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A marketplace's statistics: validation_issues analysed while its issues were spread over
// 2,000 small stores. evaluate_quality's generic plan then estimates any store's open issues at
// the table's rows over the stores, a few, however many the store it runs for holds.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
beforeAll(async () => {
  db = await scratchDatabase('omni_resolve');
  sql = connect(db.url, 1);
}, 60_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

it("evaluates a big store's chunk reading only its own products' issues, whatever the statistics say of the store (0108)", async () => {
  await sql`alter table validation_issues set (autovacuum_enabled = false)`;
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  const { storeId: store } = await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 0 });
  const [{ id: partnerId }] = await sql<{ id: string }[]>`select id from partners where client_id = ${partner.partnerClientId}`;
  await sql`with s as (insert into stores (partner_id, client_id, name)
      select ${partnerId}, 'small-' || g, 'small' from generate_series(1, 2000) g returning id)
    insert into validation_issues (store_id, product_id, code, severity, message)
    select s.id, gen_random_uuid(), c, 'WARNING', 'm' from s, generate_series(1, 2) i,
      unnest(array['MISSING_PHOTOS', 'LOW_QUALITY_SCORE']) c`;
  /** `count` new products without photos (MISSING_PHOTOS and LOW_QUALITY_SCORE each). */
  const insert = (tx: Queryable, from: number, count: number) => tx<{ id: string }[]>`
    insert into products (store_id, external_id, sku, name, description)
    select ${store}, 'i' || i, 'I' || i, 'n', 'Described' from generate_series(${from}::int, ${from + count - 1}::int) i
    returning id`.then((rows) => rows.map((r) => r.id));
  await sql`select evaluate_quality(${store}::uuid, ${await insert(sql, 1, 3000)}::uuid[])`;
  await sql`analyze validation_issues`; // 14,000 issues of 2,001 stores: 7 a store, as far as a generic plan knows

  const worker = connect(db.url, 1); // a worker's connection, its plans made now
  try {
    // A chunk as the worker applies it: 100 new products raise 200 issues; the store's other
    // 6,000 open issues are not read (0106's plan read them all, by the store alone, and
    // compared each with the chunk's ids: 6,200 entries).
    const read = await worker.begin(async (tx) => {
      const ids = await insert(tx, 3001, 100);
      const before = await issueIndexEntriesRead(tx);
      await tx`select evaluate_quality(${store}::uuid, ${ids}::uuid[])`;
      return (await issueIndexEntriesRead(tx)) - before;
    });
    expect(read).toBeGreaterThanOrEqual(200);
    expect(read).toBeLessThan(1000);
    // Existing products, now with photos: each one's MISSING_PHOTOS resolves, its other issue stays.
    const fixed = await worker.begin(async (tx) => {
      const ids = (await tx<{ id: string }[]>`update products set photos = '{a}' where store_id = ${store} and external_id like 'i1__'
        returning id`).map((r) => r.id);
      const before = await issueIndexEntriesRead(tx);
      await tx`select evaluate_quality(${store}::uuid, ${ids}::uuid[])`;
      return { read: (await issueIndexEntriesRead(tx)) - before, products: ids.length };
    });
    expect(fixed.products).toBe(100);
    expect(fixed.read).toBeLessThan(1000);
    const open = await sql<{ code: string; n: number }[]>`select code, count(*)::int as n from validation_issues
      where store_id = ${store} and not resolved group by code order by code`;
    expect(open).toEqual([{ code: 'LOW_QUALITY_SCORE', n: 3100 }, { code: 'MISSING_PHOTOS', n: 3000 }]);
  } finally {
    await worker.end();
  }
}, 120_000);
