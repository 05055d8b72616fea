import type { Transaction } from '../db/database.js';
import type { SimpleProductInput } from './product-schema.js';
import { everyWarehouse, lockedStoreWarehouses, type StockPlacement } from '../inventory/warehouse-rules.js';
import { COLUMNS, DIMENSIONS, rowKeys, toColumns } from './product-columns.js';
import { createProducts } from './product-inserts.js';
import { findUpdateClashes, rowIdMismatch } from './key-clash.js';
import { refusedRowFailure } from '../batches/row-isolation.js';
import { madeSimpleSince } from './variant-field-order.js';
import { unseenStore } from '../db/key-lookup.js';
import { atLockedRows, rowsByIds } from '../db/rows-by-key.js';
import type { StoredBody } from '../batches/payload-codec.js';

/**
 * Set-based writes of simple products: new products in one statement per chunk of
 * rows, with their stock and warehouse rows (product-inserts.ts); updates in one
 * UPDATE, and one statement for their warehouse rows. Used by catalog sync,
 * products/bulk, products with variants and PIM bulk jobs. Rows arrive validated
 * (schema, taxonomy, warehouse rules); races with other writers surface as row outcomes.
 */
export interface ProductWriteRow {
  rowIndex: number;
  /** create: a new product; update: the product with this id (its row was matched at accept time). */
  mode: 'create' | 'update';
  /** Updates only: also update a product with variants (PATCH); bulk rows never do. */
  allowVariants?: boolean;
  /**
   * Updates: update the product only if it has variants (with-variants bulk rows, accepted for
   * one: a product made simple since fails PRD_005, as at accept). Creates: the new product has
   * variants (its variants are written next, in the same transaction).
   */
  requireVariants?: boolean;
  /**
   * Updates only: update the product only while it holds the row's externalId (a bulk row names
   * its product by id and externalId, as accept checked: one renamed since fails PRD_005, as at
   * accept, rather than be renamed back).
   */
  matchExternalId?: boolean;
  id?: string;
  input: Partial<SimpleProductInput>;
  placement: StockPlacement;
  /** Updates: whether the row changes the product's externalId or SKU, when the caller knows (ProductPlan); else looked up. */
  renames?: boolean;
}

export interface ProductWriteOutcome {
  rowIndex: number;
  ok: boolean;
  id?: string;
  code?: 'PRD_002' | 'PRD_003' | 'PRD_005' | 'PRD_008';
  /** PRD_005: the product the row names, and why it is not one the row may update (as accept says it, rowIdMismatch). */
  context?: { id: string; reason?: string };
  /** For updates: the changed fields, before and after (for the audit log). */
  changes?: Record<string, { before: unknown; after: unknown }>;
  /** The row's keys: a product's after the write, else the row's. */
  externalId?: string | null;
  sku?: string | null;
  /** For updates: the product's version after the write. */
  version?: number;
}

/**
 * Updates: each row's columns over the current row (jsonb_populate_record keeps what
 * the row does not name). The before image is read through the key in a LATERAL
 * with LIMIT, so it stays a lookup per row whatever the statistics say; the store is
 * compared unseen by the planner, as in key-lookup.ts (`(select $1::uuid)`), so that
 * statistics from before the store's products cannot make a scan of the store look as cheap.
 * The rows written are the ones locked just before, by their ctids ($4, rows-by-key.ts).
 */
const UPDATE_COLUMNS = [...COLUMNS.map(([c]) => c), ...DIMENSIONS];
/** A column as the row leaves it: the row's value when it names the column, else the stored one. */
const resulting = (column: string) => `(case when o.x ? '${column}' then (o.x->>'${column}')::numeric else p.${column} end)`;
/**
 * With $3, specialPrice must stay below price on the product the row leaves (PRD_008), as in
 * PATCH: a row that sends a price alone is checked against the stored specialPrice. On the
 * version of the row the UPDATE writes, so a change another writer made since accept time
 * counts. Products with variants have no prices of their own.
 */
const PRICES_HOLD = `(not $3::boolean or p.has_variants or (${resulting('special_price')} < ${resulting('price')}) is not false)`;
/**
 * Whether a simple product's row finds its product made simple again since it was accepted (given
 * variants and stripped of them by a PATCH later than the row's sequence `seq`: its mark in
 * products_made_simple, which stock chunks read too), as if it had found the product with
 * variants (0129). Not the variant_set run of field_runs: a PATCH sending `variants.items: []` to
 * a product that never had variants records one too (review). PATCH rows (allowVariants) and rows
 * without a sequence (null: PIM items, applied now) never do.
 */
const KIND_CHANGED = (seq: string) => `(not u.allow_variants and not u.require_variants and ${madeSimpleSince('p', seq)})`;
/**
 * Whether the row may update the product: of a kind it may (allowVariants, requireVariants) and
 * was when the row was accepted (KIND_CHANGED), holding its externalId (matchExternalId).
 */
const OF_KIND = (seq: string) => `(not p.has_variants or u.allow_variants) and (p.has_variants or not u.require_variants)
  and not ${KIND_CHANGED(seq)} and (not u.match_external_id or p.external_id = u.x->>'external_id')`;
const UPDATE_SQL = `
  with upd as (
    update products p set
      (${UPDATE_COLUMNS.join(', ')}) = (select ${UPDATE_COLUMNS.map((c) => `n.${c}`).join(', ')} from jsonb_populate_record(p, o.x) as n),
      field_runs = field_runs_written(p.field_runs, o.seq, product_field_mask(array(select jsonb_object_keys(o.x)))),
      -- A new version only when a field of the product's own moves: a row sending the values
      -- already there (a nightly full sync), only stock, or only columns a later-accepted write
      -- set leaves version and updated_at (updatedSince) as they were, as a PATCH changing nothing does.
      version = p.version + case when o.changed then 1 else 0 end,
      updated_at = case when o.changed then now() else p.updated_at end
    from json_to_recordset($2::json) as u (i int, id uuid, x jsonb, stock int, allow_variants boolean, require_variants boolean, match_external_id boolean)
    -- o.x: the row's columns but those a later-accepted write set (field_runs, 0125); the row is
    -- locked, so o is the row the UPDATE writes. o.seq: the row's acceptance sequence (a batch's
    -- × 10,000 + rowIndex; without one, a write accepted now).
    cross join lateral (select to_jsonb(o) as before, q.seq,
        (select s.stock from product_stock s where s.store_id = o.store_id and s.product_id = o.id) as stock, w.x,
        (select (${UPDATE_COLUMNS.map((c) => `n.${c}`).join(', ')}) is distinct from (${UPDATE_COLUMNS.map((c) => `o.${c}`).join(', ')})
          from jsonb_populate_record(o, w.x) as n) as changed
      from products o cross join (select coalesce($5::bigint + u.i, nextval('batch_accept_seq') * 10000) as seq) as q
      cross join lateral (select case when o.field_runs is null then u.x else u.x - array(select k from jsonb_object_keys(u.x) as k, field_runs_after(o.field_runs, q.seq) as later
          where product_field_mask(array[k]) & later <> 0) end as x) as w
      where o.store_id = (select $1::uuid) and o.id = u.id limit 1) as o
    where ${atLockedRows('p', '$4')} and p.id = u.id and ${OF_KIND('o.seq')} and ${PRICES_HOLD}
    returning u.i, p.store_id, p.id, to_jsonb(p) - 'field_runs' as after, o.before - 'field_runs' as before, o.stock as before_stock, u.stock,
      case when u.stock is not null then o.seq end as seq),
  -- Joined on upd's store, not $1: a store condition on product_stock alone let a marketplace's
  -- statistics (a store looks a few rows) read the store's stock rows and hash them, per chunk.
  -- A stock a later-accepted request wrote stays (stockSeq).
  totals as (
    update product_stock s set stock = upd.stock, stock_seq = upd.seq from upd
    where upd.stock is not null and s.store_id = upd.store_id and s.product_id = upd.id and s.stock_seq < upd.seq
    returning s.product_id, s.stock)
  select i, id, after || jsonb_build_object('stock', coalesce(t.stock, before_stock)) as after,
    before || jsonb_build_object('stock', before_stock) as before
  from upd left join totals t on t.product_id = upd.id`;

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
 * Updated products' warehouse rows, each carrying its row's acceptance sequence: a row a
 * later-accepted request wrote (PATCH /inventory, another bulk row) stays, whichever job runs
 * last, as write_stock_rows does for stock updates (0113). Returns how much each product's stock
 * moved, for the products whose rows changed (their `stock` change: the webhook's updatedFields).
 */
async function writeWarehouseRows(tx: Transaction, storeId: string, rows: { product: string; warehouse: string; stock: number; rowIndex: number }[], stockSeq: bigint | undefined) {
  if (rows.length === 0) return new Map<string, number>();
  const moved = await tx<{ product_id: string; delta: number }[]>`
    with a as (
      select a.product_id, a.warehouse_id, a.stock, coalesce(${stockSeq?.toString() ?? null}::bigint + a.r, nextval('batch_accept_seq') * 10000) as seq
      from unnest(${rows.map((r) => r.product)}::uuid[], ${rows.map((r) => r.warehouse)}::uuid[], ${rows.map((r) => r.stock)}::int[],
        ${rows.map((r) => r.rowIndex)}::int[]) as a (product_id, warehouse_id, stock, r)),
    before as (
      select a.product_id, a.warehouse_id, ws.stock from a
      cross join lateral (select ws.stock from warehouse_stock ws where ws.store_id = ${storeId}::uuid and ws.product_id = a.product_id
        and ws.variant_id is null and ws.warehouse_id = a.warehouse_id limit 1) ws),
    written as (
      insert into warehouse_stock (store_id, product_id, warehouse_id, stock, stock_seq)
      -- In the rows' key order, as write_stock_rows (0113) and a PATCH lock them: in the request's
      -- order, a chunk deadlocked once with another writer of the same rows (QA, 40P01, retried).
      select ${storeId}::uuid, a.product_id, a.warehouse_id, a.stock, a.seq from a order by a.product_id, a.warehouse_id
      on conflict (store_id, product_id, variant_id, warehouse_id)
      do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now()
      where warehouse_stock.stock_seq < excluded.stock_seq
      returning product_id, warehouse_id, stock)
    select w.product_id, sum(w.stock - coalesce(b.stock, 0))::int as delta
    from written w left join before b on b.product_id = w.product_id and b.warehouse_id = w.warehouse_id
    group by w.product_id having bool_or(b.stock is distinct from w.stock)`;
  return new Map(moved.map((m) => [m.product_id, m.delta]));
}

type UpdateRow = { i: number; id?: string; x: Record<string, unknown>; allow_variants: boolean; require_variants: boolean; match_external_id: boolean };

/**
 * Why the update rows the UPDATE left were not written (rare: none in the normal path, which
 * skips this), from their products as they are now: the price rule refused a row whose product
 * it may update (PRD_008, with `ruled`); else the product is gone, of the other kind or renamed
 * since acceptance (PRD_005), and the row says which, in accept's words (rowIdMismatch).
 * Each product is found by its own id (a LATERAL with LIMIT, the store unseen, as in rows-by-key.ts):
 * joined by the store and the ids, a marketplace's statistics made the planner read the store.
 */
async function whyNotUpdated(tx: Transaction, storeId: string, left: UpdateRow[], ruled: boolean, stockSeq: bigint | undefined): Promise<Map<number, Pick<ProductWriteOutcome, 'code' | 'context'>>> {
  if (left.length === 0) return new Map();
  const seq = `(${stockSeq === undefined ? 'null' : `${stockSeq}`}::bigint + u.i)`;
  const found = await tx<{ i: number; has_variants: boolean; external_id: string | null; writable: boolean; kind_changed: boolean }[]>`
    select u.i, p.has_variants, p.external_id, ${tx.unsafe(OF_KIND(seq))} as writable, ${tx.unsafe(KIND_CHANGED(seq))} as kind_changed
    from jsonb_to_recordset(${tx.json(left as any)}::jsonb) as u (i int, id uuid, x jsonb, allow_variants boolean, require_variants boolean, match_external_id boolean)
    cross join lateral (select x.store_id, x.id, x.has_variants, x.external_id from products x where x.store_id = ${unseenStore(tx, storeId)} and x.id = u.id limit 1) as p`;
  const current = new Map(found.map((f) => [f.i, f]));
  return new Map(left.map((u): [number, Pick<ProductWriteOutcome, 'code' | 'context'>] => {
    const product = current.get(u.i);
    if (product?.writable && ruled) return [u.i, { code: 'PRD_008' }];
    const externalId = u.match_external_id ? u.x.external_id as string : product?.external_id ?? null;
    const reason = product?.kind_changed && !product.has_variants ? 'the product was given variants and made simple again after the row was accepted'
      : rowIdMismatch(product, externalId, u.require_variants);
    return [u.i, { code: 'PRD_005', context: { id: u.id!, reason } }];
  }));
}

/**
 * The store's key lock (0085, 0090), shared, before the UPDATE locks any product row, when one of
 * the rows changes a product's externalId or SKU (as 0090's trigger sees it: to another value,
 * not null). The trigger takes it at the end of the UPDATE, with the rows locked; a writer of
 * variants (a PATCH with a variant set, a with-variants chunk) takes it exclusive first and then
 * locks a product's row, so a chunk renaming that product deadlocked with it (40P01, one of
 * them ended and run again after deadlock_timeout). Taken here, the rows are locked in the one
 * order every writer follows, and the trigger finds the lock held. Rows that change no key
 * (most: products/bulk rows name both keys, unchanged) do not take it, so that they do not wait
 * for the store's writers of variants. Whether a row changes one: its plan's `renames`, when
 * accept compared the keys (products/bulk), else a lookup of the rows that name a key (PIM items,
 * PATCH, the object plans of 0068-0081): 3.6 ms for 1,000 rows in a 31,000-product table (EXPLAIN
 * ANALYZE), too much for every products/bulk chunk. A key another writer changed between that
 * look and the UPDATE is left to the trigger, as before.
 */
async function lockKeysBeforeRenames(tx: Transaction, storeId: string, rows: { id?: string; x: Record<string, unknown>; renames?: boolean }[]) {
  const lock = tx`select pg_advisory_xact_lock_shared(store_keys_lock_space(), hashtext(${storeId}::text))`;
  if (rows.some((r) => r.renames)) {
    await lock;
    return;
  }
  const naming = rows.filter((r) => r.renames === undefined && (r.x.external_id != null || r.x.sku != null));
  if (naming.length === 0) return;
  // Parallel arrays (cheaper to parse than JSON); a lookup a row through the key, the store unseen (key-lookup.ts).
  await tx`
    ${lock}
    where exists (select from unnest(${naming.map((r) => r.id!)}::uuid[], ${naming.map((r) => (r.x.external_id ?? null) as string | null)}::text[],
        ${naming.map((r) => (r.x.sku ?? null) as string | null)}::text[]) as u (id, external_id, sku)
      cross join lateral (select p.external_id, p.sku from products p where p.store_id = ${unseenStore(tx, storeId)} and p.id = u.id limit 1) p
      where p.external_id is distinct from u.external_id and u.external_id is not null
        or p.sku is distinct from u.sku and u.sku is not null)`;
}

/**
 * savepoint (default): a unique key taken since the rows were checked fails those
 * rows instead of the transaction; callers that checked inside the same
 * transaction (PATCH) skip the two extra round trips.
 * specialPriceRule (default): an update that would leave specialPrice at or above price
 * fails (PRD_008); PIM jobs store such prices and raise a data-quality issue instead.
 * stockSeq: a batch's acceptance sequence × 10,000; a row's stock writes carry it plus its
 * rowIndex. Without it (PATCH) they take a new one: accepted now.
 */
export interface WriteOptions { savepoint?: boolean; body?: StoredBody; specialPriceRule?: boolean; stockSeq?: bigint }

export async function writeProducts(tx: Transaction, storeId: string, accepted: ProductWriteRow[], opts: WriteOptions = {}): Promise<ProductWriteOutcome[]> {
  const rows = await placeStockAsNow(tx, storeId, accepted);
  const outcomes = new Map<number, ProductWriteOutcome>();
  const creates = rows.filter((r) => r.mode === 'create');
  const updates = rows.filter((r) => r.mode === 'update');
  const idOf = new Map<number, string>();
  /** Updated products whose warehouse rows the row sets: their outcome and stock before. */
  const stockBefore = new Map<string, { outcome: ProductWriteOutcome; stock: number }>();

  if (creates.length > 0) {
    for (const [rowIndex, outcome] of await createProducts(tx, storeId, creates, opts)) {
      outcomes.set(rowIndex, outcome);
      if (outcome.ok) idOf.set(rowIndex, outcome.id!);
    }
  }

  if (updates.length > 0) {
    const payload = updates.map((r) => ({
      i: r.rowIndex, id: r.id, x: toColumns(r.input), stock: r.placement.kind === 'product' ? r.placement.stock : null, allow_variants: r.allowVariants ?? false,
      require_variants: r.requireVariants ?? false, match_external_id: r.matchExternalId ?? false,
    }));
    await lockKeysBeforeRenames(tx, storeId, updates.map((r, n) => ({ ...payload[n], renames: r.renames })));
    let updated: { i: number; id: string; after: Record<string, unknown>; before: Record<string, unknown> }[] = [];
    let pending = payload;
    const inputOf = new Map(updates.map((r) => [r.rowIndex, r.input]));
    while (pending.length > 0) {
      try {
        // The rows locked first, in id order, then written by their ctids (rows-by-key.ts): joined by
        // `p.store_id = (select $1) and p.id = u.id`, a chunk of 100 or 1,000 rows hashed the whole store
        // (6,000 products read) on a marketplace's statistics, whose store looks a few rows.
        const locked = await tx<{ at: string }[]>`${rowsByIds(tx, { table: 'products', storeId, ids: pending.map((u) => u.id!) }, 'x.ctid::text as at, x.id', 'update')}`;
        const params = [storeId, pending as any, opts.specialPriceRule ?? true, locked.map((l) => l.at), opts.stockSeq?.toString() ?? null];
        updated = (opts.savepoint === false
          ? await tx.unsafe(UPDATE_SQL, params, { prepare: true })
          : await tx.savepoint((sp) => sp.unsafe(UPDATE_SQL, params, { prepare: true }))) as any;
        break;
      } catch (err: any) {
        if (err?.code !== '23505') throw err;
        // A unique key another writer took since accept time. Without a savepoint the transaction
        // is lost (PATCH, one row): the row fails. Else the rows that want a taken key fail, found
        // with one query, and the others are written again; only this path pays for the search.
        const clashes = opts.savepoint === false ? new Map<number, 'PRD_002' | 'PRD_003'>()
          : await findUpdateClashes(tx, storeId, pending);
        // None found (the key freed again, or a clash this search does not know): as before, all fail.
        const failed = clashes.size > 0 ? pending.filter((u) => clashes.has(u.i)) : pending;
        const fallback = refusedRowFailure(err).code === 'PRD_002' ? 'PRD_002' : 'PRD_003';
        for (const u of failed) outcomes.set(u.i, { rowIndex: u.i, ok: false, code: clashes.get(u.i) ?? fallback, ...rowKeys(inputOf.get(u.i)!) });
        pending = clashes.size > 0 ? pending.filter((u) => !clashes.has(u.i)) : [];
      }
    }
    const done = new Map(updated.map((u) => [u.i, u]));
    const why = await whyNotUpdated(tx, storeId, pending.filter((u) => !done.has(u.i)), opts.specialPriceRule ?? true, opts.stockSeq);
    for (const r of updates) {
      if (outcomes.has(r.rowIndex)) continue;
      const u = done.get(r.rowIndex);
      if (!u) { outcomes.set(r.rowIndex, { rowIndex: r.rowIndex, ok: false, ...why.get(r.rowIndex), ...rowKeys(r.input) }); continue; }
      idOf.set(r.rowIndex, u.id);
      const outcome: ProductWriteOutcome = {
        rowIndex: r.rowIndex, ok: true, id: u.id, changes: diff(r.input, u.before, u.after),
        externalId: u.after.external_id as string | null, sku: u.after.sku as string | null, version: u.after.version as number,
      };
      outcomes.set(r.rowIndex, outcome);
      if (r.placement.kind === 'warehouses') stockBefore.set(u.id, { outcome, stock: u.before.stock as number });
    }
  }

  // An updated product's warehouse rows (parallel arrays: cheaper to parse than JSON objects); a
  // new product's were written with it.
  const moved = await writeWarehouseRows(tx, storeId, updates.flatMap((r) => (r.placement.kind === 'warehouses' && idOf.has(r.rowIndex)
    ? r.placement.allocations.map((a) => ({ product: idOf.get(r.rowIndex)!, warehouse: a.warehouseId, stock: a.stock, rowIndex: r.rowIndex }))
    : [])), opts.stockSeq);
  for (const [productId, delta] of moved) {
    const { outcome, stock } = stockBefore.get(productId)!;
    outcome.changes!.stock = { before: stock, after: stock + delta };
  }
  return rows.map((r) => outcomes.get(r.rowIndex)!);
}

/**
 * Product-level stock is a row's placement when its store had no warehouse at accept time. If
 * the store has one by now (its first took over the products' stock, add_warehouse), the stock
 * goes to every warehouse, as the warehouse rules place a request accepted now, and as
 * apply_stock_chunk does: written to product_stock, it left the product's stock out of step
 * with its warehouse rows for good (QA). The store's row, share-locked, keeps a first warehouse
 * from being added until this transaction ends (add_warehouse locks it for update).
 */
async function placeStockAsNow(tx: Transaction, storeId: string, rows: ProductWriteRow[]): Promise<ProductWriteRow[]> {
  if (!rows.some((r) => r.placement.kind === 'product')) return rows;
  const warehouses = await lockedStoreWarehouses(tx, storeId);
  if (warehouses.byClientId.size === 0) return rows;
  return rows.map((r) => {
    if (r.placement.kind !== 'product') return r;
    const { stock } = r.placement;
    // Stock that every warehouse taking it sums beyond an integer (placeStock's VAL_001) goes there
    // all the same: PostgreSQL refuses the row, which fails alone with its reason. Left at the
    // product's level it was written there, out of step with its warehouses (review).
    return { ...r, placement: { kind: 'warehouses' as const, allocations: everyWarehouse(warehouses, stock) } };
  });
}
