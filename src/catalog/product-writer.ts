import type { Transaction } from '../db/database.js';
import type { SimpleProductInput } from './product-schema.js';
import type { StockPlacement } from '../inventory/warehouse-rules.js';
import { columnValue } from './product-patch-plan.js';
import { unseenStore } from '../db/key-lookup.js';
import type { StoredBody } from '../batches/payload-codec.js';

/**
 * Set-based writes of simple products: one INSERT (or UPDATE) statement per
 * chunk of rows, one statement for their warehouse rows. Used by catalog sync,
 * products/bulk and PIM bulk jobs. Rows arrive validated (schema, taxonomy,
 * warehouse rules); races with other writers surface as row outcomes.
 */
export interface ProductWriteRow {
  rowIndex: number;
  /** create: a new product; update: the product with this id (its row was matched at accept time). */
  mode: 'create' | 'update';
  /** Updates only: also update a product with variants (PATCH); bulk rows never do. */
  allowVariants?: boolean;
  id?: string;
  input: Partial<SimpleProductInput>;
  placement: StockPlacement;
}

export interface ProductWriteOutcome {
  rowIndex: number;
  ok: boolean;
  id?: string;
  code?: 'PRD_002' | 'PRD_003' | 'PRD_005';
  /** For updates: the changed fields, before and after (for the audit log). */
  changes?: Record<string, { before: unknown; after: unknown }>;
  /** For updates: the product's externalId and version after the write. */
  externalId?: string | null;
  version?: number;
}

/** products column -> [payload key, default on create]. */
const COLUMNS: [string, string, string?][] = [
  ['external_id', 'externalId'], ['sku', 'sku'], ['name', 'name'], ['description', 'description'], ['price', 'price'],
  ['special_price', 'specialPrice'], ['weight', 'weight'], ['min_order', 'minOrder', '1'], ['category_id', 'categoryId'],
  ['sub_category_id', 'subCategoryId'], ['type_id', 'typeId'], ['brand_id', 'brandId'], ['barcode', 'barcode'],
  ['hashtags', 'hashtags', "'{}'"], ['condition', 'condition', "'NEW'"], ['photos', 'photos', "'{}'"],
  ['official_banners', 'officialBanners', "'{}'"], ['thumbnails', 'thumbnails', "'{}'"], ['is_preorder', 'isPreorder', 'false'],
  ['preorder_period', 'preorderPeriod', '0'], ['is_archived', 'isArchived', 'false'],
  ['insurance_required', 'insuranceRequired', 'false'], ['cod_enabled', 'codEnabled', 'false'],
];
const DIMENSIONS = ['length', 'width', 'height'];

/** A row's fields as products columns (snake_case), ready for json(b)_populate_record. */
function toColumns(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, key] of COLUMNS) {
    if (input[key] !== undefined) out[column] = columnValue(key, input[key]);
  }
  const dims = input.dimensions as Record<string, number> | undefined;
  if (dims) for (const d of DIMENSIONS) out[d] = dims[d];
  return out;
}

/**
 * New products from one JSON array of column-named objects: json_populate_recordset
 * turns it into typed rows in C (arrays included), instead of an expression per
 * field and a sub-select per array per row.
 */
const INSERT_COLUMNS = [...COLUMNS.map(([c]) => c), ...DIMENSIONS];
/**
 * Each insert also writes the new products' stock rows (product_stock, migration 0075), with
 * their first stock: $stock names the parameters holding the rows' externalIds and stocks. The
 * flag tells the products' insert trigger that the rows are written (it writes them otherwise).
 */
const withStockRows = (insert: string, stock: [number, number]) => `
  with written as (select set_config('omni.stock_rows_written', 'on', true)),
  ins as (${insert}
    returning id, external_id),
  totals as (
    insert into product_stock (store_id, product_id, stock)
    select $1::uuid, ins.id, s.stock from ins join unnest($${stock[0]}::text[], $${stock[1]}::int[]) as s (external_id, stock) using (external_id), written)
  select id, external_id from ins`;
const insertSql = (onConflict: string) => withStockRows(`
  insert into products (store_id, ${INSERT_COLUMNS.join(', ')})
  select $1::uuid, ${[...COLUMNS.map(([c, , dflt]) => (dflt ? `coalesce(r.${c}, ${dflt})` : `r.${c}`)), ...DIMENSIONS.map((d) => `r.${d}`)].join(', ')}
  from json_populate_recordset(null::products, $2::json) as r
  ${onConflict}`, [3, 4]);
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
const bodyInsertSql = (source: 'array' | 'object', onConflict: string) => {
  const stored = (bytes: string) => `(select convert_from(${bytes}, 'UTF8') from batches b where b.store_id = $1::uuid and b.id = $2::text)`;
  const [from, dims, rows, stock] = source === 'array'
    ? [`json_to_recordset(${stored('substring(b.body from $3::int for $4::int)')}::json)`, 'json', '$5::int[]', [6, 7] as [number, number]]
    : [`jsonb_to_recordset(${stored('b.body')}::jsonb -> $3::text)`, 'jsonb', '$4::int[]', [5, 6] as [number, number]];
  return withStockRows(`
  insert into products (store_id, ${INSERT_COLUMNS.join(', ')})
  select $1::uuid, ${[
    ...COLUMNS.map(([, key, dflt]) => { const v = ROUNDED.has(key) ? `round(r."${key}")::int` : `r."${key}"`; return dflt ? `coalesce(${v}, ${dflt})` : v; }),
    ...DIMENSIONS.map((d) => `(r.dimensions ->> '${d}')::numeric`)].join(', ')}
  from rows from (${from} as (${COLUMNS.map(([, key]) => `"${key}" ${BODY_TYPES[key]}`).join(', ')}, dimensions ${dims})) with ordinality as r
  join unnest(${rows}) as s (i) on s.i = r.ordinality - 1
  ${onConflict}`, stock);
};
type InsertSql = { plain: string; onConflict: string };
const ROWS_INSERT: InsertSql = { plain: insertSql(''), onConflict: insertSql('on conflict do nothing') };
const ARRAY_INSERT: InsertSql = { plain: bodyInsertSql('array', ''), onConflict: bodyInsertSql('array', 'on conflict do nothing') };
const OBJECT_INSERT: InsertSql = { plain: bodyInsertSql('object', ''), onConflict: bodyInsertSql('object', 'on conflict do nothing') };

/**
 * Updates: each row's columns over the current row (jsonb_populate_record keeps what
 * the row does not name). The before image is read through the key in a LATERAL
 * with LIMIT, so it stays a lookup per row whatever the statistics say; the store is
 * compared unseen by the planner, as in key-lookup.ts (`(select $1::uuid)`), so that
 * statistics from before the store's products cannot make a scan of the store look as cheap.
 */
const UPDATE_COLUMNS = [...COLUMNS.map(([c]) => c), ...DIMENSIONS];
const UPDATE_SQL = `
  with upd as (
    update products p set
      (${UPDATE_COLUMNS.join(', ')}) = (select ${UPDATE_COLUMNS.map((c) => `n.${c}`).join(', ')} from jsonb_populate_record(p, u.x) as n),
      version = p.version + 1, updated_at = now()
    from json_to_recordset($2::json) as u (i int, id uuid, x jsonb, stock int, allow_variants boolean)
    cross join lateral (select to_jsonb(o) as before,
        (select s.stock from product_stock s where s.store_id = o.store_id and s.product_id = o.id) as stock
      from products o where o.store_id = (select $1::uuid) and o.id = u.id limit 1) as o
    where p.store_id = (select $1::uuid) and p.id = u.id and (not p.has_variants or u.allow_variants)
    returning u.i, p.id, to_jsonb(p) as after, o.before, o.stock as before_stock, u.stock),
  totals as (
    update product_stock s set stock = upd.stock from upd
    where upd.stock is not null and s.store_id = $1::uuid and s.product_id = upd.id)
  select i, id, after || jsonb_build_object('stock', coalesce(stock, before_stock)) as after,
    before || jsonb_build_object('stock', before_stock) as before
  from upd`;

type Inserted = { id: string; external_id: string }[];
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
async function insertFromBody(tx: Transaction, storeId: string, body: StoredBody, rowIndexes: number[], stock: [string[], number[]]): Promise<Inserted> {
  if (body.array !== null) {
    const [start, end] = body.array;
    try {
      return await insertProducts(tx, ARRAY_INSERT, [storeId, body.batchId, start + 1, end - start, rowIndexes, ...stock], true);
    } catch (err: any) {
      if (err?.code !== '22P02') throw err;
    }
  }
  return insertProducts(tx, OBJECT_INSERT, [storeId, body.batchId, body.field, rowIndexes, ...stock], true);
}

/** The payload keys a row changed, with before/after values, for the audit log. */
function diff(input: Record<string, unknown>, before: Record<string, unknown>, after: Record<string, unknown>) {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const [col, key] of COLUMNS) {
    if (!(key in input)) continue;
    if (JSON.stringify(before[col]) !== JSON.stringify(after[col])) changes[key] = { before: before[col], after: after[col] };
  }
  if ('dimensions' in input && DIMENSIONS.some((d) => String(before[d]) !== String(after[d]))) {
    changes.dimensions = { before: DIMENSIONS.map((d) => before[d]), after: DIMENSIONS.map((d) => after[d]) };
  }
  if (before.stock !== after.stock) changes.stock = { before: before.stock, after: after.stock };
  return changes;
}

/**
 * savepoint (default): a unique key taken since the rows were checked fails those
 * rows instead of the transaction; callers that checked inside the same
 * transaction (PATCH) skip the two extra round trips.
 */
export async function writeProducts(tx: Transaction, storeId: string, rows: ProductWriteRow[], opts: { savepoint?: boolean; body?: StoredBody } = {}): Promise<ProductWriteOutcome[]> {
  const outcomes = new Map<number, ProductWriteOutcome>();
  const creates = rows.filter((r) => r.mode === 'create');
  const updates = rows.filter((r) => r.mode === 'update');
  const idOf = new Map<number, string>();

  if (creates.length > 0) {
    // A new product's stock is known before its warehouse rows exist: writing it with the row
    // lets the stock trigger find the aggregate already right instead of updating every product again.
    const initialStock = (p: StockPlacement) => (p.kind === 'product' ? p.stock : p.kind === 'warehouses' ? p.allocations.reduce((n, a) => n + a.stock, 0) : null);
    // With the stored body, a create row's input holds only its keys: the fields are read from the
    // body ($2 is cast from text: postgres.js would send a string for a json parameter as a JSON string).
    const stock: [string[], number[]] = [creates.map((r) => r.input.externalId!), creates.map((r) => initialStock(r.placement) ?? 0)];
    const inserted = opts.body
      ? await insertFromBody(tx, storeId, opts.body, creates.map((r) => r.rowIndex), stock)
      : await insertProducts(tx, ROWS_INSERT, [storeId, creates.map((r) => toColumns(r.input)), ...stock], opts.savepoint !== false);
    const byExternal = new Map(inserted.map((p) => [p.external_id, p.id]));
    const lost = creates.filter((r) => !byExternal.has(r.input.externalId!));
    // A row that inserted nothing lost a race with another writer: say which key it hit.
    const taken = lost.length === 0 ? [] : await tx<{ external_id: string | null; sku: string | null }[]>`
      select external_id, sku from products where store_id = ${unseenStore(tx, storeId)}
        and (external_id = any(${lost.map((r) => r.input.externalId!)}) or sku = any(${lost.map((r) => r.input.sku!)}))`;
    const takenExternal = new Set(taken.map((t) => t.external_id));
    for (const r of creates) {
      const id = byExternal.get(r.input.externalId!);
      if (id) { idOf.set(r.rowIndex, id); outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: true, id }); }
      else outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: false, code: takenExternal.has(r.input.externalId!) ? 'PRD_002' : 'PRD_003' });
    }
  }

  if (updates.length > 0) {
    const payload = updates.map((r) => ({
      i: r.rowIndex, id: r.id, x: toColumns(r.input), stock: r.placement.kind === 'product' ? r.placement.stock : null, allow_variants: r.allowVariants ?? false,
    }));
    let updated: { i: number; id: string; after: Record<string, unknown>; before: Record<string, unknown> }[] = [];
    try {
      updated = (opts.savepoint === false
        ? await tx.unsafe(UPDATE_SQL, [storeId, payload as any], { prepare: true })
        : await tx.savepoint((sp) => sp.unsafe(UPDATE_SQL, [storeId, payload as any], { prepare: true }))) as any;
    } catch (err: any) {
      if (err?.code !== '23505') throw err;
      // A unique key taken since accept time: fail the chunk's updates one by one would be a
      // query per row, so mark them all as conflicts; the partner retries them.
      for (const r of updates) outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: false, code: 'PRD_003' });
      updates.length = 0;
    }
    const done = new Map(updated.map((u) => [u.i, u]));
    for (const r of updates) {
      const u = done.get(r.rowIndex);
      if (!u) { outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: false, code: 'PRD_005' }); continue; }
      idOf.set(r.rowIndex, u.id);
      outcomes.set(r.rowIndex, {
        rowIndex: r.rowIndex, ok: true, id: u.id, changes: diff(r.input, u.before, u.after),
        externalId: u.after.external_id as string | null, version: u.after.version as number,
      });
    }
  }

  // Warehouse rows as three parallel arrays (cheaper to parse than JSON objects). A new
  // product's rows are all new: a plain insert, no conflict arbitration, and no recount of
  // a stock it was inserted with, nor a key check of a product this transaction just
  // inserted (omni.stock_counted, consumed by the insert's trigger: 0070).
  for (const mode of ['create', 'update'] as const) {
    const product: string[] = [];
    const warehouse: string[] = [];
    const stock: number[] = [];
    for (const r of rows) {
      if (r.mode !== mode || r.placement.kind !== 'warehouses' || !idOf.has(r.rowIndex)) continue;
      for (const a of r.placement.allocations) { product.push(idOf.get(r.rowIndex)!); warehouse.push(a.warehouseId); stock.push(a.stock); }
    }
    if (product.length === 0) continue;
    await tx`
      ${mode === 'create' ? tx`with counted as (select set_config('omni.stock_counted', 'on', true))` : tx``}
      insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
      select ${storeId}::uuid, a.product_id, a.warehouse_id, a.stock
      from unnest(${product}::uuid[], ${warehouse}::uuid[], ${stock}::int[]) as a (product_id, warehouse_id, stock)
      ${mode === 'create' ? tx`, counted` : tx`on conflict (store_id, product_id, variant_id, warehouse_id) do update set stock = excluded.stock, updated_at = now()`}`;
  }
  return rows.map((r) => outcomes.get(r.rowIndex)!);
}
