import type { Sql } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { placeStock, type StoreWarehouses } from '../inventory/warehouse-rules.js';
import { planPatch, VARIANT_RESTRICTED, type PatchContext, type PatchResult, type ProductRow } from './product-patch-plan.js';
import type { ProductPatchInput } from './product-schema.js';
import { updateProductWithVariantSet } from './product-variant-update.js';
import { findKeyClash } from './key-clash.js';
import { findUnknownTaxonomy } from './taxonomy-refs.js';

export type { PatchContext, PatchResult };

/** Attempts before a PATCH that keeps losing races to other writers of the same product gives up. */
const MAX_ATTEMPTS = 20;

/**
 * PATCH /products/{id} (seed 003): only the fields sent change, atomically; a
 * refused request changes nothing. With a variant set it runs as one locking
 * transaction (product-variant-update.ts). Without one, the common case, it is
 * optimistic and takes two round trips: read the product, check every rule and
 * work out the changes here, then apply them in one call that writes only if the
 * product is still at the version read (apply_product_patch, migration 0060);
 * when another writer got there first, it starts over from the new state.
 */
export async function updateProduct(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput): Promise<PatchResult> {
  if (patch.variants !== undefined) return updateProductWithVariantSet(sql, ctx, productId, patch);
  for (let attempt = 1; ; attempt++) {
    const result = await tryPatch(sql, ctx, productId, patch);
    if (result) return result;
    if (ctx.expectedVersion !== undefined) throw new AppError('PRD_010', { productId, expectedVersion: ctx.expectedVersion });
    if (attempt >= MAX_ATTEMPTS) throw new AppError('PRD_014', { productId, attempts: attempt });
  }
}

interface ReadProduct { row: ProductRow; warehouses: [string, string][] | null; stock_rows: [string, number][] | null }

async function readProduct(sql: Sql, storeId: string, productId: string, withStock: boolean): Promise<ReadProduct | undefined> {
  const [found] = withStock
    ? await sql<ReadProduct[]>`
      select to_jsonb(p) as row,
        (select coalesce(json_agg(json_build_array(w.client_id, w.id)), '[]') from warehouses w where w.store_id = p.store_id) as warehouses,
        (select coalesce(json_agg(json_build_array(ws.warehouse_id, ws.stock)), '[]') from warehouse_stock ws
          where ws.store_id = p.store_id and ws.product_id = p.id and ws.variant_id is null) as stock_rows
      from products p where p.store_id = ${storeId} and p.id = ${productId}`
    : await sql<ReadProduct[]>`select to_jsonb(p) as row, null as warehouses, null as stock_rows from products p where p.store_id = ${storeId} and p.id = ${productId}`;
  return found;
}

async function tryPatch(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput): Promise<PatchResult | null> {
  const { variants: _none, ...fields } = patch;
  const withStock = patch.stock !== undefined || patch.warehouses !== undefined;
  const found = await readProduct(sql, ctx.storeId, productId, withStock);
  if (!found) throw new AppError('PRD_001', { productId });
  const current = found.row;
  const version = current.version as number;
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== version) {
    throw new AppError('PRD_010', { productId, expectedVersion: ctx.expectedVersion, currentVersion: version });
  }
  if (current.has_variants) {
    const sent = VARIANT_RESTRICTED.filter((f) => patch[f] !== undefined);
    if (sent.length > 0) throw new AppError('PRD_011', { field: sent[0], fields: sent });
  }
  const price = patch.price ?? (current.price === null ? undefined : Number(current.price));
  const specialPrice = patch.specialPrice !== undefined ? patch.specialPrice : current.special_price === null ? null : Number(current.special_price);
  if (!current.has_variants && specialPrice != null && price !== undefined && specialPrice >= price) {
    throw new AppError('PRD_008', { field: 'specialPrice', price, specialPrice });
  }
  const [unknownRefs, clash] = await Promise.all([
    findUnknownTaxonomy(sql, [fields]),
    findKeyClash(sql, ctx.storeId, productId,
      fields.externalId !== current.external_id ? fields.externalId : undefined, fields.sku !== current.sku ? fields.sku : undefined),
  ]);
  const badRef = unknownRefs.get(fields);
  if (badRef) throw new AppError('PRD_007', badRef);
  if (clash) throw new AppError(clash, { field: clash === 'PRD_002' ? 'externalId' : 'sku' });

  const warehouses: StoreWarehouses = { byClientId: new Map(found.warehouses ?? []) };
  const decision = placeStock({ stock: patch.stock, warehouses: patch.warehouses }, warehouses, 'product');
  if (!decision.ok) throw new AppError(decision.error.code, { field: decision.error.field, ...decision.error.context });

  const plan = planPatch(current, fields, decision.placement, new Map(found.stock_rows ?? []));
  const result = { id: productId, hasVariants: current.has_variants as boolean, updatedFields: plan.updatedFields };
  const externalId = (plan.set.external_id ?? current.external_id ?? null) as string | null;
  if (plan.updatedFields.length === 0) return { ...result, externalId, version };

  // With warehouse rows the product's stock is left to their triggers: an update of a
  // row moves it by the change (0066), so writing the new total as well would count it twice.
  let applied: { version: number | null };
  try {
    [applied] = await sql<{ version: number | null }[]>`
      select apply_product_patch(${ctx.storeId}::uuid, ${productId}::uuid, ${version}::int, ${sql.json(plan.set as any)}::jsonb,
        ${plan.warehouseRows ? null : plan.stock}::int, ${plan.warehouseRows ? sql.json(plan.warehouseRows as any) : null}::jsonb,
        ${sql.json({ actor_type: 'partner', actor: ctx.partnerClientId, action: 'product.updated', changes: plan.changes, request_id: ctx.requestId } as any)}::jsonb,
        ${sql.json({ partner_id: ctx.partnerId, type: 'product.updated', payload: { id: productId, externalId, updatedFields: plan.updatedFields } } as any)}::jsonb,
        ${plan.evaluateQuality}) as version`;
  } catch (err: any) {
    // A key taken by another writer since it was checked.
    if (err?.code === '23505' && /external_id/.test(err.constraint_name ?? '')) throw new AppError('PRD_002', { field: 'externalId' });
    if (err?.code === '23505' && /sku/.test(err.constraint_name ?? '')) throw new AppError('PRD_003', { field: 'sku' });
    throw err;
  }
  if (applied.version === null) return null;
  return { ...result, externalId, version: applied.version };
}
