import type { Transaction } from '../db/database.js';
import type { SimpleProductInput } from './product-schema.js';
import type { StockPlacement } from '../inventory/warehouse-rules.js';

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

type Kind = 'text' | 'numeric' | 'int' | 'uuid' | 'bool' | 'text[]';
/** products column -> [payload key, type, default on create]. */
const COLUMNS: [string, string, Kind, string?][] = [
  ['external_id', 'externalId', 'text'], ['sku', 'sku', 'text'], ['name', 'name', 'text'],
  ['description', 'description', 'text'], ['price', 'price', 'numeric'], ['special_price', 'specialPrice', 'numeric'],
  ['weight', 'weight', 'int'], ['min_order', 'minOrder', 'int', '1'], ['category_id', 'categoryId', 'uuid'],
  ['sub_category_id', 'subCategoryId', 'uuid'], ['type_id', 'typeId', 'uuid'], ['brand_id', 'brandId', 'uuid'],
  ['barcode', 'barcode', 'text'], ['hashtags', 'hashtags', 'text[]', "'{}'"], ['condition', 'condition', 'text', "'NEW'"],
  ['photos', 'photos', 'text[]', "'{}'"], ['official_banners', 'officialBanners', 'text[]', "'{}'"],
  ['thumbnails', 'thumbnails', 'text[]', "'{}'"], ['is_preorder', 'isPreorder', 'bool', 'false'],
  ['preorder_period', 'preorderPeriod', 'int', '0'], ['is_archived', 'isArchived', 'bool', 'false'],
  ['insurance_required', 'insuranceRequired', 'bool', 'false'], ['cod_enabled', 'codEnabled', 'bool', 'false'],
];
const DIMENSIONS = ['length', 'width', 'height'];

function expr(key: string, kind: Kind, src = 'r.x'): string {
  const text = `(${src}->>'${key}')`;
  switch (kind) {
    case 'text': return text;
    case 'numeric': return `${text}::numeric`;
    case 'int': return `round(${text}::numeric)::int`;
    case 'uuid': return `${text}::uuid`;
    case 'bool': return `${text}::boolean`;
    case 'text[]': return `array(select jsonb_array_elements_text(${src}->'${key}'))`;
  }
}

const insertColumns = [...COLUMNS.map(([c]) => c), ...DIMENSIONS, 'stock'];
const insertValues = [
  ...COLUMNS.map(([, k, kind, dflt]) => (dflt ? `coalesce(${expr(k, kind)}, ${dflt})` : expr(k, kind))),
  ...DIMENSIONS.map((d) => `(r.x->'dimensions'->>'${d}')::numeric`),
  `coalesce((r.st->>'productStock')::int, 0)`,
];
const INSERT_SQL = `
  insert into products (store_id, ${insertColumns.join(', ')})
  select $1::uuid, ${insertValues.join(', ')}
  from jsonb_to_recordset($2::jsonb) as r(i int, x jsonb, st jsonb)
  order by r.i
  on conflict do nothing
  returning id, external_id`;

const setClauses = [
  ...COLUMNS.map(([c, k, kind]) => `${c} = case when r.x ? '${k}' then ${expr(k, kind)} else p.${c} end`),
  ...DIMENSIONS.map((d) => `${d} = case when r.x ? 'dimensions' then (r.x->'dimensions'->>'${d}')::numeric else p.${d} end`),
  `stock = coalesce((r.st->>'productStock')::int, p.stock)`,
];
const UPDATE_SQL = `
  with r as (select * from jsonb_to_recordset($2::jsonb) as r(i int, id uuid, x jsonb, st jsonb)),
  old as (select p.* from products p join r on p.store_id = $1::uuid and p.id = r.id)
  update products p set ${setClauses.join(', ')}, version = p.version + 1, updated_at = now()
  from r join old o on o.id = r.id
  where p.store_id = $1::uuid and p.id = r.id and (not p.has_variants or (r.st->>'allowVariants')::boolean)
  returning r.i, p.id, to_jsonb(p) as after, to_jsonb(o) as before`;

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
export async function writeProducts(tx: Transaction, storeId: string, rows: ProductWriteRow[], opts: { savepoint?: boolean } = {}): Promise<ProductWriteOutcome[]> {
  const outcomes = new Map<number, ProductWriteOutcome>();
  const creates = rows.filter((r) => r.mode === 'create');
  const updates = rows.filter((r) => r.mode === 'update');
  const idOf = new Map<number, string>();

  if (creates.length > 0) {
    // A new product's stock is known before its warehouse rows exist: writing it with the row
    // lets the stock trigger find the aggregate already right instead of updating every product again.
    const initialStock = (p: StockPlacement) => (p.kind === 'product' ? p.stock : p.kind === 'warehouses' ? p.allocations.reduce((n, a) => n + a.stock, 0) : null);
    const payload = creates.map((r) => ({ i: r.rowIndex, x: r.input, st: { productStock: initialStock(r.placement) } }));
    const inserted = await tx.unsafe<{ id: string; external_id: string }[]>(INSERT_SQL, [storeId, payload as any], { prepare: true });
    const byExternal = new Map(inserted.map((p) => [p.external_id, p.id]));
    const lost = creates.filter((r) => !byExternal.has(r.input.externalId!));
    // A row that inserted nothing lost a race with another writer: say which key it hit.
    const taken = lost.length === 0 ? [] : await tx<{ external_id: string | null; sku: string | null }[]>`
      select external_id, sku from products where store_id = ${storeId}
        and (external_id = any(${lost.map((r) => r.input.externalId!)}) or sku = any(${lost.map((r) => r.input.sku!)}))`;
    const takenExternal = new Set(taken.map((t) => t.external_id));
    for (const r of creates) {
      const id = byExternal.get(r.input.externalId!);
      if (id) { idOf.set(r.rowIndex, id); outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: true, id }); }
      else outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: false, code: takenExternal.has(r.input.externalId!) ? 'PRD_002' : 'PRD_003' });
    }
  }

  if (updates.length > 0) {
    const payload = updates.map((r) => ({ i: r.rowIndex, id: r.id, x: r.input, st: { productStock: r.placement.kind === 'product' ? r.placement.stock : null, allowVariants: r.allowVariants ?? false } }));
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

  const allocations = rows.flatMap((r) => (r.placement.kind === 'warehouses' && idOf.has(r.rowIndex)
    ? r.placement.allocations.map((a) => ({ product_id: idOf.get(r.rowIndex)!, warehouse_id: a.warehouseId, stock: a.stock }))
    : []));
  if (allocations.length > 0) {
    await tx`
      insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
      select ${storeId}::uuid, a.product_id, null, a.warehouse_id, a.stock
      from jsonb_to_recordset(${tx.json(allocations as any)}::jsonb) as a(product_id uuid, warehouse_id uuid, stock int)
      on conflict (store_id, product_id, variant_id, warehouse_id)
      do update set stock = excluded.stock, updated_at = now()`;
  }
  return rows.map((r) => outcomes.get(r.rowIndex)!);
}
