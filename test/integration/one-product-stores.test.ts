import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { lookupByKey, type KeyLookup } from '../../src/db/key-lookup.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { indexEntriesRead } from '../helpers/index-reads.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A marketplace of one-product stores (5,000, half with a variant), analysed, then a store of 3,000
// products (600 with 3 variants) the statistics have not seen. ANALYZE counted a store per row:
// without 0111's floor the big store was estimated at one row or fewer, every index that starts
// with store_id looked as cheap as the key's, and each key's lookup read the store through one of
// them (bench/probe-one-product-stores.ts).
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let store: string;
let ids: string[];
let variantIds: string[];
beforeAll(async () => {
  db = await scratchDatabase('omni_oneprod');
  sql = connect(db.url, 1);
  for (const t of ['products', 'product_variants']) await sql.unsafe(`alter table ${t} set (autovacuum_enabled = false)`);
  const partner = await createPartner(sql, randomBytes(32), { name: 'p' });
  const [{ id: partnerId }] = await sql<{ id: string }[]>`select id from partners where client_id = ${partner.partnerClientId}`;
  await sql`with s as (insert into stores (partner_id, client_id, name)
      select ${partnerId}, 'one-' || g, 'One' from generate_series(1, 5000) g returning id),
    p as (insert into products (store_id, external_id, sku, name, price) select s.id, 'x-' || s.id, 'SKU-' || s.id, 'One', 10 from s returning store_id, id)
    insert into product_variants (store_id, product_id, external_id, sku, options)
    select p.store_id, p.id, 'v-' || p.id, 'V-' || p.id, '{"Size":"M"}' from p where random() < 0.5`;
  await sql`analyze stores, products, product_variants`;
  store = (await createStore(sql, { partnerClientId: partner.partnerClientId, name: 'big', warehouses: 0 })).storeId;
  ids = (await sql<{ id: string }[]>`insert into products (store_id, external_id, sku, name, price, has_variants)
    select ${store}, 'e' || i, 'S' || i, 'n', 10, i % 5 = 0 from generate_series(1, 3000) i returning id`).map((r) => r.id);
  variantIds = (await sql<{ id: string }[]>`insert into product_variants (store_id, product_id, external_id, sku, options, price)
    select p.store_id, p.id, p.external_id || '-v' || j, 'V' || p.external_id || '-' || j, jsonb_build_object('Size', j::text), 10
    from products p, generate_series(1, 3) j where p.store_id = ${store} and p.has_variants returning id`).map((r) => r.id);
}, 120_000);
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** The rows lookupByKey found and the entries of the table's indexes it read. */
async function lookup(q: Omit<KeyLookup, 'storeId' | 'columns'>) {
  return sql.begin(async (tx) => {
    const before = await indexEntriesRead(tx, q.table);
    const rows = await tx`${lookupByKey(tx, { ...q, storeId: store, columns: 'x.id' })}`;
    return { found: rows.length, read: (await indexEntriesRead(tx, q.table)) - before };
  });
}

const every7th = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${i * 7 + 1}`);

it('looks 100 products up by id, SKU and externalId with one probe a key, not a read of the store', async () => {
  // Measured without 0111: 222,678, 203,869 and 203,869 entries (PostgreSQL 18 and 15).
  expect(await lookup({ table: 'products', key: 'id', values: ids.slice(0, 100) })).toEqual({ found: 100, read: 100 });
  expect(await lookup({ table: 'products', key: 'sku', values: every7th('S') })).toEqual({ found: 100, read: 100 });
  expect(await lookup({ table: 'products', key: 'external_id', values: every7th('e') })).toEqual({ found: 100, read: 100 });
});

it('looks 100 variants up by id with one probe a key (and one for "has the store any")', async () => {
  // Measured without 0111: 85,394 entries (PostgreSQL 18), ~86,000 (15; the variants are random).
  expect(await lookup({ table: 'product_variants', key: 'id', values: variantIds.slice(0, 100) })).toEqual({ found: 100, read: 101 });
});
