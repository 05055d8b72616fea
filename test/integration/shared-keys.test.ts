import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { lookupByKey } from '../../src/db/key-lookup.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { readsWhile } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A marketplace of one-product stores that share a key scheme (5,000 stores whose product has the
// externalId and SKU "1", as an ERP's row numbers would give), analysed, then a store of 3,000
// products with long externalIds the statistics have not seen. ANALYZE counted one distinct key:
// without 0115 a key compared with a lateral's value was taken to match every row of the store, the
// key's index cost what any index on the store did, and the tie went to products_store_lower_sku_idx
// (the smaller), the store its only condition: each externalId read the store.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let store: string;
const externalId = (i: number) => `e${i}-${createHash('md5').update(String(i)).digest('hex').repeat(3)}`;
beforeAll(async () => {
  db = await scratchDatabase('omni_sharedkeys');
  sql = connect(db.url, 1);
  await sql.unsafe('alter table products set (autovacuum_enabled = false)');
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  const [{ id: partnerId }] = await sql<{ id: string }[]>`select id from partners where client_id = ${partner.partnerClientId}`;
  await sql`with s as (insert into stores (partner_id, client_id, name)
      select ${partnerId}, 'one-' || g, 'One' from generate_series(1, 5000) g returning id)
    insert into products (store_id, external_id, sku, name, price) select s.id, '1', '1', 'One', 10 from s`;
  await sql`analyze stores, products`;
  store = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 0 })).storeId;
  await sql`insert into products (store_id, external_id, sku, name, price)
    select ${store}, 'e' || i || '-' || repeat(md5(i::text), 3), 'S' || i, 'n', 10 from generate_series(1, 3000) i`;
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

it('looks 100 externalIds and SKUs of the big store up with one probe a key, not a read of the store', async () => {
  const lookup = async (key: 'external_id' | 'sku', values: string[]) => {
    const { result: rows, read } = await readsWhile(sql, 'products', (tx) =>
      tx`${lookupByKey(tx, { table: 'products', key, storeId: store, values, columns: 'x.id, x.external_id, x.sku, x.has_variants' })}`);
    return { found: rows.length, read };
  };
  const some = Array.from({ length: 100 }, (_, i) => i * 7 + 1);
  // Measured without 0115: 203,869 entries for the externalIds (PostgreSQL 18 and 15).
  expect(await lookup('external_id', some.map(externalId))).toEqual({ found: 100, read: 100 });
  expect(await lookup('sku', some.map((i) => `S${i}`))).toEqual({ found: 100, read: 100 });
});
