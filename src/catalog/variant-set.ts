import type { Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { placeStock, type StockPlacement, type StoreWarehouses } from '../inventory/warehouse-rules.js';
import { MAX_INTEGER, type VariantItemInput } from './product-schema.js';
import { stockTotalTooLarge } from './patch-refusals.js';
import { unseenStore, uuidKey } from '../db/key-lookup.js';

interface ExistingVariant { id: string; sku: string; external_id: string | null; is_active: boolean }

export interface VariantSetResult {
  created: string[];
  updated: string[];
  deactivated: string[];
}

/**
 * Makes the product's variants the given set (seed 003): items match existing
 * variants by id, then externalId, then sku, and are updated (and reactivated);
 * unmatched items are created; variants not in the set are soft-deactivated.
 * An empty set deactivates them all. Every check runs before any write.
 */
export async function applyVariantSet(tx: Transaction, storeId: string, productId: string, items: VariantItemInput[], warehouses: StoreWarehouses): Promise<VariantSetResult> {
  const existing = await tx<ExistingVariant[]>`
    select id, sku, external_id, is_active from product_variants where store_id = ${unseenStore(tx, storeId)} and product_id = ${productId}`;
  const byId = new Map(existing.map((v) => [v.id, v]));
  const byExternal = new Map(existing.filter((v) => v.external_id).map((v) => [v.external_id!, v]));
  const bySku = new Map(existing.map((v) => [v.sku, v]));

  const planned: { index: number; match?: ExistingVariant; item: VariantItemInput; placement: StockPlacement }[] = [];
  const seen = new Set<string>();
  const seenExternal = new Set<string>();
  const matchedBy = new Map<string, number>();
  items.forEach((item, index) => {
    const field = (f: string) => `variants.items.${index}.${f}`;
    if (seen.has(item.sku)) throw new AppError('PRD_004', { field: field('sku'), sku: item.sku });
    seen.add(item.sku);
    if (item.externalId !== undefined && seenExternal.has(item.externalId)) throw new AppError('PRD_004', { field: field('externalId'), externalId: item.externalId });
    if (item.externalId !== undefined) seenExternal.add(item.externalId);
    if (item.id && !byId.has(uuidKey(item.id))) throw new AppError('PRD_012', { field: field('id'), id: item.id });
    const match = (item.id && byId.get(uuidKey(item.id))) || (item.externalId && byExternal.get(item.externalId)) || bySku.get(item.sku);
    // Two items for one variant (one by its sku, one by its externalId): one would be lost.
    if (match && matchedBy.has(match.id)) throw new AppError('PRD_004', { field: `variants.items.${index}`, items: [matchedBy.get(match.id), index], variantId: match.id });
    if (match) matchedBy.set(match.id, index);
    if (item.specialPrice != null && item.price !== undefined && item.specialPrice >= item.price) {
      throw new AppError('PRD_008', { field: field('specialPrice'), price: item.price, specialPrice: item.specialPrice });
    }
    const decision = placeStock(item, warehouses, 'variant');
    if (!decision.ok) throw new AppError(decision.error.code, { field: field(decision.error.field), ...decision.error.context });
    planned.push({ index, match: match || undefined, item, placement: decision.placement });
  });

  // SKUs and externalIds are unique per store across products and variants: an item may
  // only reuse the keys of the variant it updates (not even its product's externalId).
  const skus = items.map((i) => i.sku);
  const externalIds = items.flatMap((i) => (i.externalId ? [i.externalId] : []));
  const taken = await tx<{ id: string; sku: string | null; external_id: string | null; kind: string }[]>`
    select id, sku, external_id, 'variant' as kind from product_variants
      where store_id = ${unseenStore(tx, storeId)} and (sku = any(${skus}) or external_id = any(${externalIds}))
    union all
    select id, sku, external_id, 'product' from products
      where store_id = ${unseenStore(tx, storeId)} and ((id <> ${productId} and sku = any(${skus})) or external_id = any(${externalIds}))`;
  for (const p of planned) {
    const clash = taken.find((t) => (t.sku === p.item.sku || (p.item.externalId !== undefined && t.external_id === p.item.externalId))
      && !(t.kind === 'variant' && t.id === p.match?.id));
    if (!clash) continue;
    const [code, key] = clash.sku === p.item.sku ? ['PRD_003', 'sku'] as const : ['PRD_002', 'externalId'] as const;
    throw new AppError(code, { field: `variants.items.${p.index}.${key}`, sku: p.item.sku });
  }

  const rows = planned.map((p) => ({ id: p.match?.id ?? null, x: p.item }));
  const keep = planned.flatMap((p) => (p.match ? [p.match.id] : []));
  const deactivated = await tx<{ sku: string }[]>`
    update product_variants set is_active = false, updated_at = now()
    where store_id = ${unseenStore(tx, storeId)} and product_id = ${productId} and is_active and id <> all(${keep}::uuid[]) returning sku`;
  await tx`
    update product_variants v set
      sku = r.x->>'sku',
      external_id = case when r.x ? 'externalId' then r.x->>'externalId' else v.external_id end,
      options = coalesce(r.x->'options', v.options),
      price = case when r.x ? 'price' then (r.x->>'price')::numeric else v.price end,
      special_price = case when r.x ? 'specialPrice' then (r.x->>'specialPrice')::numeric else v.special_price end,
      barcode = case when r.x ? 'barcode' then r.x->>'barcode' else v.barcode end,
      photos = case when r.x ? 'photos' then array(select jsonb_array_elements_text(r.x->'photos')) else v.photos end,
      is_active = true, updated_at = now()
    from jsonb_to_recordset(${tx.json(rows.filter((r) => r.id) as any)}::jsonb) as r(id uuid, x jsonb)
    where v.store_id = ${unseenStore(tx, storeId)} and v.id = r.id`;
  const inserted = await tx<{ id: string; sku: string }[]>`
    insert into product_variants (store_id, product_id, sku, external_id, options, price, special_price, barcode, photos)
    select ${storeId}::uuid, ${productId}::uuid, r.x->>'sku', r.x->>'externalId', coalesce(r.x->'options', '{}'),
      (r.x->>'price')::numeric, (r.x->>'specialPrice')::numeric, r.x->>'barcode',
      coalesce(array(select jsonb_array_elements_text(r.x->'photos')), '{}')
    from jsonb_to_recordset(${tx.json(rows.filter((r) => !r.id) as any)}::jsonb) as r(id uuid, x jsonb)
    returning id, sku`;

  await refuseInvertedPrices(tx, storeId, planned, inserted);
  const idOfSku = new Map([...planned.flatMap((p) => (p.match ? [[p.item.sku, p.match.id] as const] : [])), ...inserted.map((v) => [v.sku, v.id] as const)]);
  const allocations = planned.flatMap((p) => (p.placement.kind === 'warehouses'
    ? p.placement.allocations.map((a) => ({ variant_id: idOfSku.get(p.item.sku)!, warehouse_id: a.warehouseId, stock: a.stock })) : []));
  if (allocations.length > 0) {
    await refuseStockTotalsTooLarge(tx, storeId, productId, allocations, planned, idOfSku);
    await tx`
      insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock)
      select ${storeId}::uuid, ${productId}::uuid, a.variant_id, a.warehouse_id, a.stock
      from jsonb_to_recordset(${tx.json(allocations as any)}::jsonb) as a(variant_id uuid, warehouse_id uuid, stock int)
      on conflict (store_id, product_id, variant_id, warehouse_id) do update set stock = excluded.stock, updated_at = now()`;
  }
  const insertedSkus = new Set(inserted.map((v) => v.sku));
  return {
    created: [...insertedSkus],
    updated: planned.filter((p) => p.match).map((p) => p.item.sku),
    deactivated: deactivated.map((d) => d.sku),
  };
}

/**
 * VAL_001 before the write when a variant's stock, or the product's over its active variants,
 * would pass an integer with the rows sent (the rows not sent keep their stock): the triggers
 * that write those sums would fail with a 500. The set's variants are active by now.
 */
async function refuseStockTotalsTooLarge(tx: Transaction, storeId: string, productId: string,
  allocations: { variant_id: string; warehouse_id: string; stock: number }[],
  planned: { index: number; item: VariantItemInput }[], idOfSku: Map<string, string>) {
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
 * is. Read back after the writes, from the rows the writes locked.
 */
async function refuseInvertedPrices(tx: Transaction, storeId: string,
  planned: { index: number; match?: ExistingVariant; item: VariantItemInput }[], inserted: { id: string; sku: string }[]) {
  const insertedId = new Map(inserted.map((v) => [v.sku, v.id]));
  const priced = planned.filter((p) => p.item.price !== undefined || p.item.specialPrice !== undefined);
  if (priced.length === 0) return;
  const idOf = (p: (typeof priced)[number]) => p.match?.id ?? insertedId.get(p.item.sku)!;
  const inverted = await tx<{ id: string; price: number; special_price: number }[]>`
    select id, price::float8 as price, special_price::float8 as special_price from product_variants
    where store_id = ${unseenStore(tx, storeId)} and id = any(${priced.map(idOf)}::uuid[]) and special_price >= price`;
  const first = priced.find((p) => inverted.some((v) => v.id === idOf(p)));
  if (!first) return;
  const { price, special_price: specialPrice } = inverted.find((v) => v.id === idOf(first))!;
  const field = `variants.items.${first.index}.${first.item.specialPrice !== undefined ? 'specialPrice' : 'price'}`;
  throw new AppError('PRD_008', { field, price, specialPrice });
}
