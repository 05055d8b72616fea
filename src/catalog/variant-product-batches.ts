import type { Transaction } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { registerBatchKind, stockSeqBase, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { afterProductsChanged } from './after-products-changed.js';
import { writeProducts } from './product-writer.js';
import type { VariantProductPayload } from './variant-product-rows.js';
import { findVariantKeyClashes, VariantNotWritten, type VariantKeyClash } from './variant-key-clashes.js';
import { lockStoreKeysForVariants } from './variant-writers-lock.js';
import { deactivateOmittedVariants } from './variant-deactivation.js';
import { recordVariantSets, variantColumnsSent } from './variant-field-order.js';
import { variantSetBeforeAfter, variantSetChanges, variantSetLooks } from './variant-set-changes.js';
import { variantSetDiff } from './variant-diff.js';
import { lockByIds } from '../db/rows-by-key.js';

type Row = { rowIndex: number; payload: VariantProductPayload };

/**
 * The writes of a chunk of products with variants, set-based: the parents in one
 * statement (writeProducts), every variant of the chunk upserted by sku in one
 * statement, the omitted variants of updated products deactivated in one, and
 * the variants' warehouse rows in one. Throws VariantNotWritten (or the unique
 * violation) when a variant's key was taken since accept time.
 */
async function writeVariantProducts(tx: Transaction, storeId: string, rows: Row[], stockSeq: bigint) {
  // The updated products locked first (in id order, as writeProducts locks them), then their sets
  // read: a price chunk, which locks a variant's product too, cannot change a set between this read
  // and the writes (its change, written back by this row, would count as none: review).
  const updatedIds = rows.flatMap((r) => (r.payload.mode === 'update' && r.payload.id ? [r.payload.id] : []));
  await lockByIds(tx, { table: 'products', storeId, ids: updatedIds }, 'update');
  const setsBefore = await variantSetLooks(tx, storeId, updatedIds);
  const outcomes = await writeProducts(tx, storeId, rows.map((r) => ({
    rowIndex: r.rowIndex, mode: r.payload.mode, id: r.payload.id, input: r.payload.input, placement: { kind: 'none' as const },
    allowVariants: true, requireVariants: true, matchExternalId: true,
  })), { stockSeq });
  const idOf = new Map(outcomes.filter((o) => o.ok).map((o) => [o.rowIndex, o.id!]));
  const done = rows.filter((r) => idOf.has(r.rowIndex));
  const productIds = done.map((r) => idOf.get(r.rowIndex)!);
  // New parents were inserted with has_variants (requireVariants on a create), and an update
  // requires it: no parent is updated again to set it (that took 0.56 s of a 20,000-parent import's
  // 6.6 s in the worker's backend: bench/probe-variant-import.ts).
  // Each item with its first stock (a new variant's is the sum of its warehouse rows, 0117) and the
  // columns it writes: its prices always (written whole), its options, barcode and photos when sent.
  const items = done.flatMap((r) => r.payload.items.map(({ item, placement }, pos) => ({ pos,
    pid: idOf.get(r.rowIndex)!, x: item, stock: placement.kind === 'warehouses' ? placement.allocations.reduce((n, a) => n + a.stock, 0) : 0,
    seq: (stockSeq + BigInt(r.rowIndex)).toString(), sent: variantColumnsSent(item, true), upd: r.payload.mode === 'update',
  })));
  // A SKU another product's variant holds skips its row here (the WHERE of the update):
  // counted below, as a unique violation of the externalId is raised. A variant that existed
  // keeps its id and its stock (its warehouse rows below move it); a new one has the id made for it.
  // Acceptance order (0125, 0127): an item leaves the columns a later-accepted write set
  // (`w`: what it sends less those), and the row leaves its product's variant set when a
  // later-accepted write made that set (`set_later`: a PATCH /products/{id} with variants, or a
  // later row): its variants then keep whether they are active, and a new one is made inactive
  // (as the later set, which did not name it, would have left it) with no stock of its own yet
  // (its warehouse rows then count it as an existing variant's do: only active ones count in the product's).
  const variants = await tx<{ id: string; sku: string; created: boolean; pid: string; set_later: boolean }[]>`
    with src as materialized (
      select time_ordered_uuid() as new_id, r.pid, r.x, r.stock, r.seq, r.sent, r.pos,
        r.upd and coalesce((select field_runs_after(p.field_runs, r.seq) & product_field_mask('{variant_set}') <> 0
          from products p where p.store_id = ${storeId}::uuid and p.id = r.pid), false) as set_later
      from jsonb_to_recordset(${tx.json(items as any)}::jsonb) as r(pid uuid, x jsonb, stock int, seq bigint, sent text[], upd boolean, pos int)),
    written as (
      insert into product_variants (store_id, id, product_id, sku, external_id, options, price, special_price, barcode, photos, stock, is_active, field_runs, position)
      select ${storeId}::uuid, r.new_id, r.pid, r.x->>'sku', r.x->>'externalId', coalesce(r.x->'options', '{}'), (r.x->>'price')::numeric,
        (r.x->>'specialPrice')::numeric, r.x->>'barcode', coalesce(array(select jsonb_array_elements_text(r.x->'photos')), '{}'),
        case when r.set_later then 0 else r.stock end, not r.set_later, array[r.seq, product_field_mask(r.sent)],
        case when r.set_later then null else r.pos end
      from src as r
      on conflict (store_id, sku) do update set
        external_id = case when field_runs_writes(product_variants.field_runs, excluded.field_runs) & product_field_mask('{external_id}') <> 0
          then excluded.external_id else product_variants.external_id end,
        options = case when field_runs_writes(product_variants.field_runs, excluded.field_runs) & product_field_mask('{options}') <> 0 then excluded.options else product_variants.options end,
        price = case when field_runs_writes(product_variants.field_runs, excluded.field_runs) & product_field_mask('{price}') <> 0 then excluded.price else product_variants.price end,
        special_price = case when field_runs_writes(product_variants.field_runs, excluded.field_runs) & product_field_mask('{special_price}') <> 0 then excluded.special_price else product_variants.special_price end,
        barcode = case when field_runs_writes(product_variants.field_runs, excluded.field_runs) & product_field_mask('{barcode}') <> 0 then excluded.barcode else product_variants.barcode end,
        photos = case when field_runs_writes(product_variants.field_runs, excluded.field_runs) & product_field_mask('{photos}') <> 0 then excluded.photos else product_variants.photos end,
        field_runs = field_runs_written(product_variants.field_runs, excluded.field_runs[1],
          field_runs_writes(product_variants.field_runs, excluded.field_runs)),
        is_active = excluded.is_active or product_variants.is_active,
        -- The row's place in its set, unless a later-accepted write made the set (0149).
        position = case when excluded.is_active then excluded.position else product_variants.position end, updated_at = now()
        where product_variants.product_id = excluded.product_id
      returning id, sku)
    select w.id, w.sku, w.id = r.new_id and not r.set_later as created, r.pid, r.set_later
    from written w join src r on r.x->>'sku' = w.sku`;
  if (variants.length < items.length) throw new VariantNotWritten();
  // Only an updated product can have variants its row omits (a new one has just the ones written
  // here), and only a set no later-accepted write made is this row's to change.
  const setLater = new Set(variants.filter((v) => v.set_later).map((v) => v.pid));
  const updated = new Set(done.filter((r) => r.payload.mode === 'update').map((r) => idOf.get(r.rowIndex)!).filter((pid) => !setLater.has(pid)));
  await deactivateOmittedVariants(tx, storeId, items.filter((i) => updated.has(i.pid)).map((i) => ({ pid: i.pid, sku: i.x.sku })));
  await recordVariantSets(tx, storeId, done.filter((r) => updated.has(idOf.get(r.rowIndex)!))
    .map((r) => ({ id: idOf.get(r.rowIndex)!, seq: (stockSeq + BigInt(r.rowIndex)).toString() })));
  const variantId = new Map(variants.map((v) => [v.sku, v.id]));
  const created = new Set(variants.filter((v) => v.created).map((v) => v.id));
  const allocations = done.flatMap((r) => r.payload.items.flatMap(({ item, placement }) => (placement.kind === 'warehouses'
    ? placement.allocations.map((a) => ({
      product_id: idOf.get(r.rowIndex)!, variant_id: variantId.get(item.sku)!, warehouse_id: a.warehouseId, stock: a.stock, seq: (stockSeq + BigInt(r.rowIndex)).toString(),
    }))
    : [])));
  await writeVariantWarehouseRows(tx, storeId, allocations.filter((a) => created.has(a.variant_id)), true);
  await writeVariantWarehouseRows(tx, storeId, allocations.filter((a) => !created.has(a.variant_id)), false);
  // An updated product whose own fields did not move its version (writeProducts) moves it here if
  // its variant set changed; one whose fields, set and stock are as they were is not told.
  const written = new Set(productIds);
  const fieldsMoved = new Set(outcomes.filter((o) => o.ok && Object.keys(o.changes ?? {}).length > 0).map((o) => o.id!));
  const sets = await variantSetChanges(tx, storeId, new Map([...setsBefore].filter(([id]) => written.has(id))), fieldsMoved);
  const changed = new Set([...fieldsMoved, ...sets.changed]);
  // What each updated product's row changed, for its audit event: its own fields, and its variants.
  const changesOf = new Map(outcomes.filter((o) => o.ok && idOf.has(o.rowIndex)).map((o) => {
    const variants = sets.changed.has(o.id!) && setsBefore.has(o.id!)
      ? variantSetDiff(...variantSetBeforeAfter(setsBefore.get(o.id!), sets.after.get(o.id!))) : undefined;
    return [o.id!, { ...o.changes, ...(variants ? { variants } : {}) }] as const;
  }));
  return { outcomes, idOf, done, productIds, variantId, changed, changesOf };
}

type Allocation = { product_id: string; variant_id: string; warehouse_id: string; stock: number; seq: string };

/**
 * Variants' warehouse rows. A new variant's (`counted`): plain inserts, its stock already their
 * sum, which omni.variant_stock_written tells the trigger (0117: only the products' totals move).
 * An existing variant's: upserted, the trigger moving its stock and its product's by the change;
 * a row a later-accepted request wrote (PATCH /inventory) stays (the row's acceptance sequence,
 * stockSeqBase).
 */
async function writeVariantWarehouseRows(tx: Transaction, storeId: string, rows: Allocation[], counted: boolean) {
  if (rows.length === 0) return;
  const values = tx`
    select ${storeId}::uuid, a.product_id, a.variant_id, a.warehouse_id, a.stock, a.seq
    from jsonb_to_recordset(${tx.json(rows as any)}::jsonb) as a(product_id uuid, variant_id uuid, warehouse_id uuid, stock int, seq bigint)`;
  if (counted) {
    await tx`
      with counted as (select set_config('omni.variant_stock_written', 'on', true))
      insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
      select v.* from (${values}) as v, counted order by v.product_id, v.variant_id, v.warehouse_id`;
  } else {
    await tx`
      insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq) ${values}
      order by a.product_id, a.variant_id, a.warehouse_id
      on conflict (store_id, product_id, variant_id, warehouse_id)
      do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now()
      where warehouse_stock.stock_seq < excluded.stock_seq`;
  }
}

/** Rounds of a chunk that lost keys to other writers before its job gives up (and retries). */
const MAX_WRITE_ROUNDS = 5;

/**
 * Writes a chunk in a savepoint. A variant key taken since accept time (another writer's
 * SKU or externalId) rolls the chunk back, fails the rows that hold such a key as a whole
 * (PRD_003 / PRD_002: neither their parent nor their other variants are written) and
 * writes the others again; keys were checked at accept time, so this is the rare path.
 */
async function writeChunk(tx: Transaction, storeId: string, rows: Row[], stockSeq: bigint) {
  // Outside the rounds' savepoints, so that a round rolled back keeps it.
  await lockStoreKeysForVariants(tx, storeId);
  const refused = new Map<number, VariantKeyClash>();
  for (let round = 1; ; round++) {
    const todo = rows.filter((r) => !refused.has(r.rowIndex));
    try {
      return { refused, ...await tx.savepoint((sp) => writeVariantProducts(sp, storeId, todo, stockSeq)) };
    } catch (err: any) {
      if (!(err instanceof VariantNotWritten || err?.code === '23505') || round === MAX_WRITE_ROUNDS) throw err;
      const clashes = await findVariantKeyClashes(tx, storeId, todo);
      if (clashes.length === 0) throw err;
      for (const c of clashes) refused.set(c.rowIndex, c);
    }
  }
}

async function processVariantProducts(tx: Transaction, ctx: BatchContext, rows: Row[]): Promise<RowOutcome[]> {
  const { refused, outcomes, idOf, done: written, variantId, changed, changesOf } = await writeChunk(tx, ctx.storeId, rows, stockSeqBase(ctx));
  const action = (r: Row) => (r.payload.mode === 'create' ? 'product.created' : 'product.updated');
  // An update row that found its product's fields, variant set and stock already there succeeds and
  // says nothing (no audit event, no product.updated), as a products/bulk row does.
  const done = written.filter((r) => r.payload.mode === 'create' || changed.has(idOf.get(r.rowIndex)!));
  await recordAudit(tx, done.map((r) => ({
    storeId: ctx.storeId, actorType: 'partner' as const, actor: ctx.partnerClientId, action: action(r), resourceType: 'product',
    resourceId: idOf.get(r.rowIndex)!, requestId: ctx.requestId, ipAddress: ctx.ip,
    // A creation names its variants; an update says what it changed, as every update's event does (it
    // named every SKU sent and nothing of what changed: audit QA).
    changes: r.payload.mode === 'create'
      ? { externalId: r.payload.input.externalId, variants: r.payload.items.map(({ item }) => item.sku), batchId: ctx.batchId }
      : { externalId: r.payload.input.externalId, ...changesOf.get(idOf.get(r.rowIndex)!), batchId: ctx.batchId },
  })));
  await emitEvents(tx, done.map((r) => ({
    partnerId: ctx.partnerId, storeId: ctx.storeId, type: action(r),
    payload: { id: idOf.get(r.rowIndex), externalId: r.payload.input.externalId, variants: r.payload.items.map(({ item }) => item.sku), batchId: ctx.batchId },
  })));
  for (const mode of ['create', 'update'] as const) {
    const ids = done.filter((r) => r.payload.mode === mode).map((r) => idOf.get(r.rowIndex)!);
    await afterProductsChanged(tx, ctx.storeId, ids, { created: mode === 'create' });
  }
  const outcomeOf = new Map(outcomes.map((o) => [o.rowIndex, o]));
  return rows.map((row): RowOutcome => {
    const externalId = row.payload.input.externalId;
    const clash = refused.get(row.rowIndex);
    // As a row refused at acceptance tells its clash: the field and SKU under `context` (they sat
    // beside `retryable`, where a client reading details.context.field found nothing; QA).
    if (clash) return { rowIndex: row.rowIndex, status: 'FAILED', code: clash.code, details: { externalId, retryable: false, context: { field: clash.field, sku: clash.sku } } };
    const o = outcomeOf.get(row.rowIndex)!;
    return o.ok
      ? { rowIndex: o.rowIndex, status: 'SUCCEEDED', result: {
        id: o.id, externalId, action: row.payload.mode === 'create' ? 'created' : 'updated',
        variants: row.payload.items.map(({ item }) => ({ sku: item.sku, id: variantId.get(item.sku) })),
      } }
      : { rowIndex: o.rowIndex, status: 'FAILED', code: o.code, details: { externalId, retryable: false, ...(o.context ? { context: o.context } : {}) } };
  });
}

registerBatchKind('catalog.variants.sync', { process: processVariantProducts });
registerBatchKind('products.variants.bulk', { process: processVariantProducts });
