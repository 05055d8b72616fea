/**
 * A design not taken (twenty-third session, docs/performance.md): a 1,000-product chunk of a
 * catalog import created (a) as Omni does, by the INSERT .. SELECT that reads the stored JSON
 * body (product-inserts.ts), against (b) by COPY of text the API would build at accept and
 * store instead of the body, then the stock rows by unnest. Alternating chunks in one growing
 * store (the bench's generated products, the store's 3 warehouses); medians of wall times on
 * one connection of: building the text (JS), storing it, applying it. Run: node bin/run-ts.js
 * bench/probe-copy-create.ts (CHUNKS=<n> a side; DATABASE_URL: a database to migrate, else an
 * embedded PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { createProducts } from '../src/catalog/product-inserts.js';
import { arrayRange, storedBody } from '../src/batches/payload-codec.js';
import { generateProducts } from './scenarios/catalog-import.js';
import { openProbeStore } from './lib/probe-database.js';

const CHUNKS = Number(process.env.CHUNKS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const esc = (v: unknown) => (v === null || v === undefined ? '\\N' : typeof v === 'string' ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : String(v));
const arr = (a: string[] | undefined) => (a ? `{${a.map((x) => `"${x.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}` : '{}');
const COLS = ['id', 'external_id', 'sku', 'name', 'description', 'price', 'special_price', 'weight', 'length', 'width', 'height', 'min_order',
  'category_id', 'sub_category_id', 'type_id', 'hashtags', 'condition', 'photos', 'is_preorder', 'preorder_period', 'is_archived', 'insurance_required', 'cod_enabled'];
function copyText(rows: Record<string, any>[], ids: string[], store: string) {
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const p = rows[i];
    const d = p.dimensions ?? {};
    out += store + '\t' + [ids[i], p.externalId, p.sku, p.name, p.description, p.price, p.specialPrice, p.weight, d.length, d.width, d.height, p.minOrder ?? 1,
      p.categoryId, p.subCategoryId, p.typeId, arr(p.hashtags), p.condition ?? 'NEW', arr(p.photos), p.isPreorder ?? false, p.preorderPeriod ?? 0,
      p.isArchived ?? false, p.insuranceRequired ?? false, p.codEnabled ?? false].map((v, k) => (k === 15 || k === 17 ? v : esc(v))).join('\t') + '\n';
  }
  return out;
}

const probe = await openProbeStore(3);
const { sql, partner, storeId } = probe;
try {
  const [{ id: partnerId }] = await sql`select id from partners where client_id = ${partner.partnerClientId}`;
  const whs = (await sql<{ id: string; client_id: string }[]>`select id, client_id from warehouses where store_id = ${storeId} order by client_id`);
  const size = { a: 0, b: 0 };
  const t = { aStore: [] as number[], aApply: [] as number[], bBuild: [] as number[], bStore: [] as number[], bApply: [] as number[] };
  await sql`create table probe_copy (id text primary key, body text)`;
  await sql`alter table probe_copy alter column body set storage external`;
  for (let n = 0; n < 2 * CHUNKS + 2; n++) {
    const rows = generateProducts(1000, whs.map((w) => w.client_id), `p${n}`);
    const creates = rows.map((r, i) => ({ rowIndex: i, mode: 'create' as const, input: {},
      placement: r.warehouses ? { kind: 'warehouses' as const, allocations: (r.warehouses as any[]).map((a) => ({ warehouseId: whs.find((w) => w.client_id === a.clientId)!.id, stock: a.stock })) }
        : { kind: 'product' as const, stock: r.stock as number } }));
    const useCopy = n % 4 === 1 || n % 4 === 2;
    const warm = n < 2;
    if (!useCopy) {
      const body = Buffer.from(JSON.stringify({ products: rows }));
      const batchId = `pb_${randomUUID()}`;
      let s = performance.now();
      await sql`insert into batches (store_id, id, kind, partner_id, request_id, total, pending, accepted_seq, body)
        values (${storeId}, ${batchId}, 'catalog.sync', ${partnerId}, ${randomUUID()}, 1000, 1000, 1, ${body})`;
      const stored = performance.now() - s;
      s = performance.now();
      const header = { field: 'products', omit: [], wellTyped: true, array: arrayRange(body, 'products'), warehouses: [] };
      await sql.begin(async (tx) => { await tx`set local synchronous_commit = off`; await createProducts(tx, storeId, creates as any, { body: storedBody(storeId, batchId, header) }); });
      size.a = body.length; if (!warm) { t.aStore.push(stored); t.aApply.push(performance.now() - s); }
    } else {
      const ids = (await sql<{ id: string }[]>`select time_ordered_uuid()::text as id from generate_series(1, 1000)`).map((r) => r.id);
      let s = performance.now();
      const text = copyText(rows, ids, storeId);
      const built = performance.now() - s;
      const key = `c${n}`;
      s = performance.now();
      await sql`insert into probe_copy values (${key}, ${text})`;
      const stored = performance.now() - s;
      s = performance.now();
      await sql.begin(async (tx) => {
        await tx`set local synchronous_commit = off`;
        await tx`select set_config('omni.stock_rows_written', 'on', true), set_config('omni.stock_counted', 'on', true)`;
        const [{ body }] = await tx`select body from probe_copy where id = ${key}`;
        const w = await tx.unsafe(`copy products (store_id, ${COLS.join(', ')}) from stdin`).writable();
        w.write(body);
        await new Promise<void>((res, rej) => { w.end(); w.once('finish', res); w.once('error', rej); });
        const first = creates.map((c) => (c.placement.kind === 'product' ? c.placement.stock : (c.placement as any).allocations.reduce((x: number, a: any) => x + a.stock, 0)));
        await tx`insert into product_stock (store_id, product_id, stock) select ${storeId}, u.id, u.s from unnest(${ids}::uuid[], ${first}::int[]) u (id, s)`;
        const pr: string[] = []; const pw: string[] = []; const ps: number[] = [];
        creates.forEach((c, i) => { if (c.placement.kind === 'warehouses') for (const a of (c.placement as any).allocations) { pr.push(ids[i]); pw.push(a.warehouseId); ps.push(a.stock); } });
        await tx`insert into warehouse_stock (store_id, product_id, warehouse_id, stock) select ${storeId}, u.p, u.w, u.s from unnest(${pr}::uuid[], ${pw}::uuid[], ${ps}::int[]) u (p, w, s)`;
      });
      size.b = Buffer.byteLength(text); if (!warm) { t.bBuild.push(built); t.bStore.push(stored); t.bApply.push(performance.now() - s); }
    }
    if (n === 3) await sql`analyze`;
  }
  const [{ n }] = await sql`select count(*)::int as n from products where store_id = ${storeId}`;
  const [{ w }] = await sql`select count(*)::int as w from warehouse_stock where store_id = ${storeId}`;
  console.log({ products: n, warehouseRows: w, size });
  for (const [k, v] of Object.entries(t)) console.log(k, median(v).toFixed(2), 'ms');
} finally {
  await probe.close();
}
