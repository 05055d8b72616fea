import type { Transaction } from '../db/database.js';
import { lookupByKey } from '../db/key-lookup.js';
import type { StoredBody } from '../batches/payload-codec.js';
import { COLUMNS, DIMENSIONS, rowKeys, toColumns } from './product-columns.js';
import type { ProductWriteOutcome, ProductWriteRow } from './product-writer.js';
import { IdList } from './product-plan.js';

const INSERT_COLUMNS = [...COLUMNS.map(([c]) => c), ...DIMENSIONS];
/**
 * New products with their stock, in one statement: the product, its stock row (product_stock,
 * migration 0075) with its first stock, and its warehouse rows. `source` yields the rows with
 * an id made for each (new_id: time-ordered, migration 0083), the row's index in its request
 * (row_index) and its first stock (first_stock); `values` are the products columns over it
 * (as r). The warehouse rows come from the last four parameters, from $`placed` on: each row's
 * index, warehouse (a 1-based index into the fourth, the warehouse ids) and stock. It answers
 * the row index, id and keys of every product it inserted, so the worker needs no key
 * beforehand and sends no product id back. The flags tell the products' and the warehouse
 * rows' insert triggers that the stock rows are written and counted (0070, 0075): the product
 * is new, its rows all new.
 */
const createSql = (source: string, values: string[], keys: [string, string], placed: number, hasVariants = 'false') => (raced: boolean) => `
  with written as (select set_config('omni.stock_rows_written', 'on', true)),
  counted as (select set_config('omni.stock_counted', 'on', true)),
  src as materialized (${source}),
  ins as (
    insert into products (store_id, id, has_variants, ${INSERT_COLUMNS.join(', ')})
    select $1::uuid, r.new_id, ${hasVariants}, ${values.join(', ')} from src as r
    ${raced ? skipTakenKeys(keys) : ''}
    returning id),
  totals as (
    insert into product_stock (store_id, product_id, stock)
    select $1::uuid, ins.id, r.first_stock from ins join src as r on r.new_id = ins.id, written),
  placed as (
    insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
    select $1::uuid, r.new_id, ($${placed + 3}::uuid[])[a.w], a.stock
    from ins join src as r on r.new_id = ins.id
    join unnest($${placed}::int[], $${placed + 1}::int[], $${placed + 2}::int[]) as a (row_index, w, stock) on a.row_index = r.row_index, counted)
  select r.row_index, r.new_id as id, ${keys[0]} as external_id, ${keys[1]} as sku from ins join src as r on r.new_id = ins.id`;
const withIds = (rows: string, indexes: string, stock: string, match: string) =>
  `select time_ordered_uuid() as new_id, s.row_index, s.first_stock, r.* from ${rows} with ordinality as r
   join unnest(${indexes}::int[], ${stock}::int[]) with ordinality as s (row_index, first_stock, n) on ${match}`;
/**
 * New products from one JSON array of column-named objects ($2; has_variants true for a product
 * with variants, written with it rather than updated after), with their row indexes ($3)
 * and first stock ($4): json_populate_recordset turns it into typed rows in C (arrays
 * included), instead of an expression per field and a sub-select per array per row.
 */
const insertSql = createSql(withIds('json_populate_recordset(null::products, $2::json)', '$3', '$4', 's.n = r.ordinality'),
  [...COLUMNS.map(([c, , dflt]) => (dflt ? `coalesce(r.${c}, ${dflt})` : `r.${c}`)), ...DIMENSIONS.map((d) => `r.${d}`)], ['r.external_id', 'r.sku'], 5,
  'coalesce(r.has_variants, false)');
/**
 * New products read by PostgreSQL from the request body the batch stored, as
 * received (batches.body, payload-codec.ts): json_to_recordset types the whole array in
 * C, and the chunk's rows are picked by their index. Nothing of the body passes through
 * the worker (it used to receive it, decompress it and send it back: ~1.2 s of its 5 s of
 * profiled time in an import). Only for bodies whose every row passed the schema (`wellTyped`), so no
 * value fails its cast. The values are stored as toColumns would send them:
 * numeric(15, 2) rounds half away from zero (toCents), integer columns round().
 */
const BODY_TYPES: Record<string, string> = {
  externalId: 'text', sku: 'text', name: 'text', description: 'text', price: 'numeric', specialPrice: 'numeric',
  weight: 'numeric', minOrder: 'numeric', categoryId: 'uuid', subCategoryId: 'uuid', typeId: 'uuid', brandId: 'uuid',
  barcode: 'text', hashtags: 'text[]', condition: 'text', photos: 'text[]', officialBanners: 'text[]', thumbnails: 'text[]',
  isPreorder: 'boolean', preorderPeriod: 'numeric', isArchived: 'boolean', insuranceRequired: 'boolean', codEnabled: 'boolean',
};
const ROUNDED = new Set(['weight', 'minOrder', 'preorderPeriod']);
/**
 * `array`: only the bytes of the body's array ($3, $4: its first byte and length; $2 the
 * batch), read as json: a validating parse and the recordset's. `object`: the whole body,
 * read as jsonb (one parse; the json type would parse it again for `->` and once more for
 * the recordset) and $3 names the array.
 */
const bodyInsertSql = (source: 'array' | 'object') => {
  const stored = (bytes: string) => `(select convert_from(${bytes}, 'UTF8') from batches b where b.store_id = $1::uuid and b.id = $2::text)`;
  const [from, dims, indexes, stock, placed] = source === 'array'
    ? [`json_to_recordset(${stored('substring(b.body from $3::int for $4::int)')}::json)`, 'json', '$5', '$6', 7] as const
    : [`jsonb_to_recordset(${stored('b.body')}::jsonb -> $3::text)`, 'jsonb', '$4', '$5', 6] as const;
  const rows = `rows from (${from} as (${COLUMNS.map(([, key]) => `"${key}" ${BODY_TYPES[key]}`).join(', ')}, dimensions ${dims}))`;
  return createSql(withIds(rows, indexes, stock, 's.row_index = r.ordinality - 1'), [
    ...COLUMNS.map(([, key, dflt]) => { const v = ROUNDED.has(key) ? `round(r."${key}")::int` : `r."${key}"`; return dflt ? `coalesce(${v}, ${dflt})` : v; }),
    ...DIMENSIONS.map((d) => `(r.dimensions ->> '${d}')::numeric`)], ['r."externalId"', 'r.sku'], placed);
};
/**
 * A chunk that raced another writer leaves out the rows whose keys were taken: another
 * product's (ON CONFLICT), or a variant's SKU or externalId, which no ON CONFLICT reaches
 * (the triggers of 0085 and 0090 refuse them). Scalar sub-selects, a probe a key: the planner
 * cannot make them joins that read every store's variants.
 */
const skipTakenKeys = ([externalId, sku]: [string, string]) => `
    where (select true from product_variants v where v.store_id = $1::uuid and v.sku = ${sku} limit 1) is null
      and (select true from product_variants v where v.store_id = $1::uuid and v.external_id = ${externalId} limit 1) is null
    on conflict do nothing`;
type InsertSql = { plain: string; onConflict: string };
const both = (sql: (raced: boolean) => string): InsertSql => ({ plain: sql(false), onConflict: sql(true) });
const ROWS_INSERT = both(insertSql);
const ARRAY_INSERT = both(bodyInsertSql('array'));
const OBJECT_INSERT = both(bodyInsertSql('object'));

type Inserted = { row_index: number; id: string; external_id: string | null; sku: string | null }[];
/**
 * Keys were checked at accept time, so a chunk almost never meets a taken one: it is
 * first inserted plainly (in a savepoint), which costs ~13% less than ON CONFLICT's
 * speculative insertion (1,000 products: 53-56 ms against 59-71 ms); only a chunk
 * that raced another writer is inserted again with ON CONFLICT DO NOTHING.
 */
async function insertProducts(tx: Transaction, statement: InsertSql, params: any[], plainFirst: boolean): Promise<Inserted> {
  if (plainFirst) {
    try {
      return await tx.savepoint((sp) => sp.unsafe<Inserted>(statement.plain, params, { prepare: true }));
    } catch (err: any) {
      if (err?.code !== '23505') throw err;
    }
  }
  return tx.unsafe<Inserted>(statement.onConflict, params, { prepare: true });
}

/**
 * New products from a stored body: from its array's text when the body is just that
 * array under its key; should the text not be one JSON value after all (a duplicated
 * key: `{"products": [..], "products": [..]}`), PostgreSQL refuses it (22P02) before
 * writing anything, and the whole body is read instead, as JSON.parse read it.
 */
async function insertFromBody(tx: Transaction, storeId: string, body: StoredBody, rows: unknown[]): Promise<Inserted> {
  if (body.array !== null) {
    const [start, end] = body.array;
    try {
      return await insertProducts(tx, ARRAY_INSERT, [storeId, body.batchId, start + 1, end - start, ...rows], true);
    } catch (err: any) {
      if (err?.code !== '22P02') throw err;
    }
  }
  return insertProducts(tx, OBJECT_INSERT, [storeId, body.batchId, body.field, ...rows], true);
}

/**
 * The parameters that describe new products' rows in a create statement: their row indexes,
 * first stock, and warehouse rows (row index, 1-based warehouse index, stock; warehouse ids).
 */
function newProductRows(creates: ProductWriteRow[]) {
  const warehouses = new IdList();
  const placed = { row: [] as number[], warehouse: [] as number[], stock: [] as number[] };
  const firstStock = creates.map((r) => {
    const p = r.placement;
    if (p.kind !== 'warehouses') return p.kind === 'product' ? p.stock : 0;
    for (const a of p.allocations) {
      placed.row.push(r.rowIndex); placed.warehouse.push(warehouses.indexOf(a.warehouseId) + 1); placed.stock.push(a.stock);
    }
    return p.allocations.reduce((n, a) => n + a.stock, 0);
  });
  return [creates.map((r) => r.rowIndex), firstStock, placed.row, placed.warehouse, placed.stock, warehouses.ids];
}

/**
 * Inserts new products (writeProducts' creates): the outcome of each row, by row index. Keys
 * were checked at accept time; a row that inserted nothing lost a race with another writer.
 */
export async function createProducts(tx: Transaction, storeId: string, creates: ProductWriteRow[], opts: { savepoint?: boolean; body?: StoredBody }) {
  const outcomes = new Map<number, ProductWriteOutcome>();
  // A new product's stock, its stock row and its warehouse rows are written with it: the stock
  // triggers find the product's total already right instead of updating every product again.
  // With the stored body, a create row's input is empty: PostgreSQL reads its fields and keys from the body.
  const described = newProductRows(creates);
  const inserted = opts.body
    ? await insertFromBody(tx, storeId, opts.body, described)
    : await insertProducts(tx, ROWS_INSERT, [storeId, creates.map((r) => (r.requireVariants ? { ...toColumns(r.input), has_variants: true } : toColumns(r.input))),
      ...described], opts.savepoint !== false);
  const byRow = new Map(inserted.map((p) => [p.row_index, p]));
  const lostRows = creates.filter((r) => !byRow.has(r.rowIndex));
  if (lostRows.length > 0 && opts.body) await opts.body.load(tx);
  const lost = lostRows.map((r) => ({ rowIndex: r.rowIndex, ...rowKeys(opts.body ? opts.body.input(r.rowIndex) : r.input) }));
  // A row that inserted nothing lost a race with another writer: say which key it hit
  // (a product's externalId or a variant's: PRD_002; else its SKU, a product's or a variant's).
  // Only externalIds are looked up, one by one (lookupByKey): `store and (external_id = any(..)
  // or sku = any(..))` read all of a store's entries of one index in both tables on a
  // marketplace's statistics (a store estimated at a few rows; 80 lost rows in a 5,000-product
  // store: 8,000 entries and 9.4 ms, median, against 81 and 1.1 ms; normal statistics: 0.5 ms
  // both). A product found by a lost row's SKU only added its own externalId, which is a lost
  // row's only if the externalId lookup finds that product too: the SKU lookup told nothing.
  const externalIds = lost.map((r) => r.externalId!);
  const taken = lost.length === 0 ? [] : await tx<{ external_id: string | null }[]>`
    ${lookupByKey(tx, { table: 'products', key: 'external_id', storeId, values: externalIds, columns: 'x.external_id' })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'external_id', storeId, values: externalIds, columns: 'x.external_id' })}`;
  const takenExternal = new Set(taken.map((t) => t.external_id));
  for (const p of inserted) outcomes.set(p.row_index, { rowIndex: p.row_index, ok: true, id: p.id, externalId: p.external_id, sku: p.sku });
  for (const r of lost) outcomes.set(r.rowIndex, { ...r, ok: false, code: takenExternal.has(r.externalId) ? 'PRD_002' : 'PRD_003' });
  return outcomes;
}
