import { variantReadOrder } from './variant-order.js';
import type { Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { StoreWarehouses } from '../inventory/warehouse-rules.js';
import { MAX_INTEGER, type VariantItemInput } from './product-schema.js';
import { stockTotalTooLarge } from './patch-refusals.js';
import { unseenStore } from '../db/key-lookup.js';
import { rowsByIds } from '../db/rows-by-key.js';
import { planVariantItems, refuseTakenKeys, takesSiblingKeys, type ExistingVariant, type PlannedItem } from './variant-set-plan.js';
import { recordVariantSets, variantColumnsSent } from './variant-field-order.js';

export interface VariantSetResult {
  created: string[];
  /** The variants whose row or stock changed. */
  updated: string[];
  deactivated: string[];
  /** Whether the set changed anything (a set sent again changes nothing). */
  changed: boolean;
  /** Whether it changed the set as a reader sees it (a variant created, rewritten or deactivated), not only stock. */
  setChanged: boolean;
}

/**
 * Makes the product's variants the given set (seed 003): items match existing
 * variants by id, then externalId, then sku, and are updated (and reactivated);
 * unmatched items are created; variants not in the set are soft-deactivated.
 * An empty set deactivates them all. The items and their keys are checked before
 * any write (variant-set-plan.ts); the stock totals they leave, before the stock
 * rows are written; the prices, on the rows as written (a refusal rolls the PATCH's
 * transaction back).
 */
export async function applyVariantSet(tx: Transaction, storeId: string, productId: string, items: VariantItemInput[], warehouses: StoreWarehouses): Promise<VariantSetResult> {
  // In the order they are read: the set's order before, told from the order after (below).
  const existing = await tx<ExistingVariant[]>`
    select id, sku, external_id, is_active, options from product_variants v where store_id = ${unseenStore(tx, storeId)} and product_id = ${productId}
    order by ${tx.unsafe(variantReadOrder('v'))}`;
  const planned = planVariantItems(items, existing, warehouses);
  await refuseTakenKeys(tx, storeId, productId, planned);

  // Each item's place in the set (0149: the variants read back in the order sent).
  const rows = planned.map((p) => ({ id: p.match?.id ?? null, x: p.item, pos: p.index }));
  const keep = planned.flatMap((p) => (p.match ? [p.match.id] : []));
  const deactivated = await tx<{ sku: string }[]>`
    update product_variants set is_active = false, position = null, updated_at = now()
    where store_id = ${unseenStore(tx, storeId)} and product_id = ${productId} and is_active and id <> all(${keep}::uuid[]) returning sku`;
  if (takesSiblingKeys(planned)) {
    // The keys that change are set aside first (a placeholder SKU, no externalId), so that
    // the update below never meets a key another variant of the set still holds.
    await tx`
      update product_variants v set sku = case when v.sku <> r.x->>'sku' then 'omni-swap:' || v.id::text else v.sku end,
        external_id = case when r.x ? 'externalId' and v.external_id is distinct from r.x->>'externalId' then null else v.external_id end
      from jsonb_to_recordset(${tx.json(rows.filter((r) => r.id) as any)}::jsonb) as r(id uuid, x jsonb)
      where v.store_id = ${unseenStore(tx, storeId)} and v.product_id = ${productId} and v.id = r.id`;
  }
  // Only the rows whose values change are written, so that a set sent again changes nothing.
  // The product's own variants (product_id, above too): joined on the store and id alone, the
  // update hashed every variant of the store on a marketplace's statistics (a store looks a few
  // rows); the (store_id, product_id) index bounds any plan by the product's variants.
  const rewritten = await tx<{ sku: string }[]>`
    update product_variants v set sku = n.sku, external_id = n.external_id, options = n.options, price = n.price,
      special_price = n.special_price, barcode = n.barcode, photos = n.photos, is_active = true, position = n.pos, updated_at = now()
    from (
      select o.id, r.pos, r.x->>'sku' as sku,
        case when r.x ? 'externalId' then r.x->>'externalId' else o.external_id end as external_id,
        coalesce(r.x->'options', o.options) as options,
        case when r.x ? 'price' then (r.x->>'price')::numeric(15, 2) else o.price end as price,
        case when r.x ? 'specialPrice' then (r.x->>'specialPrice')::numeric(15, 2) else o.special_price end as special_price,
        case when r.x ? 'barcode' then r.x->>'barcode' else o.barcode end as barcode,
        case when r.x ? 'photos' then array(select jsonb_array_elements_text(r.x->'photos')) else o.photos end as photos
      from jsonb_to_recordset(${tx.json(rows.filter((r) => r.id) as any)}::jsonb) as r(id uuid, x jsonb, pos int)
      join product_variants o on o.store_id = ${unseenStore(tx, storeId)} and o.product_id = ${productId} and o.id = r.id) n
    where v.store_id = ${unseenStore(tx, storeId)} and v.product_id = ${productId} and v.id = n.id
      and (v.sku, v.external_id, v.options, v.price, v.special_price, v.barcode, v.photos, v.is_active)
        is distinct from (n.sku, n.external_id, n.options, n.price, n.special_price, n.barcode, n.photos, true)
    returning v.sku`;
  // Each variant's place in the set, apart: a place written where there was none (a variant from
  // before 0149) that keeps the order as read is no change of the set (review); the order is
  // compared below.
  await tx`
    update product_variants v set position = r.pos
    from jsonb_to_recordset(${tx.json(rows.filter((r) => r.id).map((r) => ({ id: r.id, pos: r.pos })) as any)}::jsonb) as r(id uuid, pos int)
    where v.store_id = ${unseenStore(tx, storeId)} and v.product_id = ${productId} and v.id = r.id and v.position is distinct from r.pos`;
  // What the set sends to existing variants (externalId, prices, options, barcode, photos), changed
  // or not, and the set itself, recorded as this PATCH's (0125, 0127's field_runs): a price or
  // with-variants row accepted before it and applied after it leaves them, as it leaves a product's
  // fields (0126). A new variant records what its item sends (below): a row accepted before may
  // name its SKU too, and applied after writes only what the PATCH did not send, as in order.
  const sent = rows.flatMap((r) => (r.id ? [{ id: r.id, sent: variantColumnsSent(r.x) }] : [])).filter((r) => r.sent.length > 0);
  if (sent.length > 0) {
    await tx`
      update product_variants v set field_runs = field_runs_written(v.field_runs, nextval('batch_accept_seq') * 10000, product_field_mask(r.sent))
      from jsonb_to_recordset(${tx.json(sent as any)}::jsonb) as r(id uuid, sent text[])
      where v.store_id = ${unseenStore(tx, storeId)} and v.product_id = ${productId} and v.id = r.id`;
  }
  await recordVariantSets(tx, storeId, [{ id: productId, seq: null }]);
  const inserted = await tx<{ id: string; sku: string }[]>`
    insert into product_variants (store_id, product_id, sku, external_id, options, price, special_price, barcode, photos, field_runs, position)
    select ${storeId}::uuid, ${productId}::uuid, r.x->>'sku', r.x->>'externalId', coalesce(r.x->'options', '{}'),
      (r.x->>'price')::numeric, (r.x->>'specialPrice')::numeric, r.x->>'barcode',
      coalesce(array(select jsonb_array_elements_text(r.x->'photos')), '{}'),
      array[nextval('batch_accept_seq') * 10000, product_field_mask(r.sent)], r.pos
    from jsonb_to_recordset(${tx.json(rows.filter((r) => !r.id).map((r) => ({ x: r.x, sent: variantColumnsSent(r.x), pos: r.pos })) as any)}::jsonb) as r(x jsonb, sent text[], pos int)
    returning id, sku`;

  await refuseInvertedPrices(tx, storeId, planned, inserted);
  const idOfSku = new Map([...planned.flatMap((p) => (p.match ? [[p.item.sku, p.match.id] as const] : [])), ...inserted.map((v) => [v.sku, v.id] as const)]);
  const allocations = planned.flatMap((p) => (p.placement.kind === 'warehouses'
    ? p.placement.allocations.map((a) => ({ variant_id: idOfSku.get(p.item.sku)!, warehouse_id: a.warehouseId, stock: a.stock })) : []));
  let restocked: { variant_id: string }[] = [];
  if (allocations.length > 0) {
    await refuseStockTotalsTooLarge(tx, storeId, productId, allocations, planned, idOfSku);
    // Each row written with a new acceptance sequence, its value changed or not: a stock update
    // accepted before this PATCH and applied after it leaves the PATCH's stock (write_stock_rows,
    // 0113). The rows that changed are told from the ones before, read in the same statement.
    restocked = await tx<{ variant_id: string }[]>`
      with a as (
        select a.variant_id, a.warehouse_id, a.stock, nextval('batch_accept_seq') * 10000 as seq
        from jsonb_to_recordset(${tx.json(allocations as any)}::jsonb) as a(variant_id uuid, warehouse_id uuid, stock int)),
      before as (
        select a.variant_id, a.warehouse_id, ws.stock from a
        cross join lateral (select ws.stock from warehouse_stock ws where ws.store_id = ${storeId}::uuid and ws.product_id = ${productId}::uuid
          and ws.variant_id = a.variant_id and ws.warehouse_id = a.warehouse_id limit 1) ws),
      written as (
        insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
        select ${storeId}::uuid, ${productId}::uuid, a.variant_id, a.warehouse_id, a.stock, a.seq from a order by a.variant_id, a.warehouse_id
        on conflict (store_id, product_id, variant_id, warehouse_id)
        do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now()
        returning variant_id, warehouse_id, stock)
      select distinct w.variant_id from written w
      left join before b on b.variant_id = w.variant_id and b.warehouse_id = w.warehouse_id
      where b.stock is distinct from w.stock`;
  }
  const after = await tx<{ id: string }[]>`
    select id from product_variants v where store_id = ${unseenStore(tx, storeId)} and product_id = ${productId} order by ${tx.unsafe(variantReadOrder('v'))}`;
  const reordered = after.map((v) => v.id).join() !== existing.map((v) => v.id).join();
  const created = inserted.map((v) => v.sku);
  const restockedIds = new Set(restocked.map((r) => r.variant_id));
  const updated = new Set([...rewritten.map((v) => v.sku), ...planned.filter((p) => p.match && restockedIds.has(p.match.id)).map((p) => p.item.sku)]);
  return {
    created, updated: [...updated], deactivated: deactivated.map((d) => d.sku),
    changed: created.length + updated.size + deactivated.length > 0 || reordered,
    setChanged: created.length + rewritten.length + deactivated.length > 0 || reordered,
  };
}

/**
 * VAL_001 before the write when a variant's stock, or the product's over its active variants,
 * would pass an integer with the rows sent (the rows not sent keep their stock): the triggers
 * that write those sums would fail with a 500. The set's variants are active by now.
 */
async function refuseStockTotalsTooLarge(tx: Transaction, storeId: string, productId: string,
  allocations: { variant_id: string; warehouse_id: string; stock: number }[],
  planned: PlannedItem[], idOfSku: Map<string, string>) {
  const sent = tx.json(allocations as any);
  const over = await tx<{ variant_id: string | null }[]>`
    select t.variant_id from (
      select s.variant_id, s.stock from jsonb_to_recordset(${sent}::jsonb) as s (variant_id uuid, stock bigint)
      union all
      select ws.variant_id, ws.stock from warehouse_stock ws
      join product_variants v on v.store_id = ws.store_id and v.id = ws.variant_id and v.is_active
      where ws.store_id = ${unseenStore(tx, storeId)} and ws.product_id = ${productId} and ws.variant_id is not null
        and not exists (select from jsonb_to_recordset(${sent}::jsonb) as s (variant_id uuid, warehouse_id uuid)
          where s.variant_id = ws.variant_id and s.warehouse_id = ws.warehouse_id)) t
    group by rollup (t.variant_id) having sum(t.stock) > ${MAX_INTEGER}
    order by t.variant_id nulls last limit 1`;
  if (over.length === 0) return;
  const item = planned.find((p) => idOfSku.get(p.item.sku) === over[0].variant_id);
  if (!item) throw stockTotalTooLarge('variants', 'product');
  throw stockTotalTooLarge(`variants.items.${item.index}.${item.item.warehouses !== undefined ? 'warehouses' : 'stock'}`, 'variant');
}

/**
 * PRD_008 when an item that sends a price or specialPrice leaves its variant with a
 * specialPrice at or above its price: an item writes only the fields it sends, so one that
 * sends a price alone is checked against the stored specialPrice, as a simple product's PATCH
 * is. Read back after the writes, from the rows the writes locked. Exported for its test.
 */
export async function refuseInvertedPrices(tx: Transaction, storeId: string,
  planned: PlannedItem[], inserted: { id: string; sku: string }[]) {
  const insertedId = new Map(inserted.map((v) => [v.sku, v.id]));
  const priced = planned.filter((p) => p.item.price !== undefined || p.item.specialPrice !== undefined);
  if (priced.length === 0) return;
  const idOf = (p: (typeof priced)[number]) => p.match?.id ?? insertedId.get(p.item.sku)!;
  // Variant by variant (rows-by-key.ts): an `id = any(…)` read the store's every variant on a marketplace's statistics.
  const inverted = await tx<{ id: string; price: number; special_price: number }[]>`
    ${rowsByIds(tx, { table: 'product_variants', storeId, ids: priced.map(idOf), where: 'x.special_price >= x.price' },
      'x.id, x.price::float8 as price, x.special_price::float8 as special_price')}`;
  const first = priced.find((p) => inverted.some((v) => v.id === idOf(p)));
  if (!first) return;
  const { price, special_price: specialPrice } = inverted.find((v) => v.id === idOf(first))!;
  const field = `variants.items.${first.index}.${first.item.specialPrice !== undefined ? 'specialPrice' : 'price'}`;
  throw new AppError('PRD_008', { field, price, specialPrice });
}
