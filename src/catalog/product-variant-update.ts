import type { Sql, Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { recordAudit } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { loadStoreWarehouses, placeStock } from '../inventory/warehouse-rules.js';
import { afterProductsChanged } from './after-products-changed.js';
import type { ProductPatchInput } from './product-schema.js';
import { writeProducts } from './product-writer.js';
import { findKeyClash } from './key-clash.js';
import { findUnknownTaxonomy } from './taxonomy-refs.js';
import { applyVariantSet } from './variant-set.js';
import { VARIANT_RESTRICTED, type PatchContext, type PatchResult } from './product-patch-plan.js';
import { unseenStore } from '../db/key-lookup.js';
import { productStock } from './product-read.js';

/**
 * PATCH /products/{id} with a variant set (seed 003): the product's fields and
 * its variants change in one transaction, under the product's row lock; a
 * refused request changes nothing. updatedFields lists what actually changed.
 */
export async function updateProductWithVariantSet(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput): Promise<PatchResult> {
  return sql.begin(async (tx) => {
    const [current] = await tx<any[]>`
      select id, external_id, sku, price::float8 as price, special_price::float8 as special_price, has_variants, version,
        ${productStock(tx)} as stock
      from products p
      where store_id = ${unseenStore(tx, ctx.storeId)} and id = ${productId} for update`;
    if (!current) throw new AppError('PRD_001', { productId });
    if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== current.version) {
      throw new AppError('PRD_010', { productId, expectedVersion: ctx.expectedVersion, currentVersion: current.version });
    }
    const { variants, warehouses: whInput, stock, ...fields } = patch;
    const becomesVariant = variants !== undefined ? variants.items.length > 0 : current.has_variants;
    if (becomesVariant) {
      const sent = VARIANT_RESTRICTED.filter((f) => patch[f] !== undefined);
      if (sent.length > 0) throw new AppError('PRD_011', { field: sent[0], fields: sent });
    }
    const price = patch.price ?? (current.price === null ? undefined : Number(current.price));
    const specialPrice = patch.specialPrice !== undefined ? patch.specialPrice : current.special_price === null ? null : Number(current.special_price);
    if (!becomesVariant && specialPrice != null && price !== undefined && specialPrice >= price) {
      throw new AppError('PRD_008', { field: 'specialPrice', price, specialPrice });
    }
    const badRef = (await findUnknownTaxonomy(tx, [fields])).get(fields);
    if (badRef) throw new AppError('PRD_007', badRef);
    const clash = await findKeyClash(tx, ctx.storeId, productId,
      fields.externalId !== current.external_id ? fields.externalId : undefined, fields.sku !== current.sku ? fields.sku : undefined);
    if (clash) throw new AppError(clash, { field: clash === 'PRD_002' ? 'externalId' : 'sku' });
    const needsWarehouses = stock !== undefined || whInput !== undefined || variants !== undefined;
    const warehouses = needsWarehouses ? await loadStoreWarehouses(tx, ctx.storeId) : { byClientId: new Map<string, string>() };
    const decision = placeStock({ stock, warehouses: whInput }, warehouses, 'product');
    if (!decision.ok) throw new AppError(decision.error.code, { field: decision.error.field, ...decision.error.context });

    // The price rule was checked above, under the product's lock, knowing whether it becomes a product with variants.
    const [outcome] = await writeProducts(tx, ctx.storeId, [{ rowIndex: 0, mode: 'update', id: productId, input: fields, placement: decision.placement, allowVariants: true }], { savepoint: false, specialPriceRule: false });
    if (!outcome.ok) throw new AppError(outcome.code ?? 'PRD_003', { productId });
    const changes: Record<string, unknown> = { ...outcome.changes };
    if (decision.placement.kind === 'warehouses') changes.warehouses = { after: decision.placement.allocations.map((a) => ({ clientId: a.clientId, stock: a.stock })) };

    if (variants !== undefined) {
      // Before the variants are written: one of them may take the product's own sku.
      if (becomesVariant) {
        const cleared = await clearOwnFields(tx, ctx.storeId, productId, current, warehouses.byClientId.size === 0);
        if (cleared) changes.clearedForVariants = cleared;
      }
      const result = await applyVariantSet(tx, ctx.storeId, productId, variants.items, warehouses);
      if (result.created.length + result.deactivated.length > 0 || variants.items.length > 0) changes.variants = result;
      if (becomesVariant !== current.has_variants) {
        await tx`update products set has_variants = ${becomesVariant} where store_id = ${unseenStore(tx, ctx.storeId)} and id = ${productId}`;
        changes.hasVariants = { before: current.has_variants, after: becomesVariant };
      }
    }
    const updatedFields = Object.keys(changes).filter((k) => k !== 'hasVariants' && k !== 'clearedForVariants');
    const after = { externalId: outcome.externalId ?? null, version: outcome.version ?? current.version };
    if (updatedFields.length > 0) {
      // Independent statements: postgres.js pipelines them on the transaction's connection.
      await Promise.all([
        recordAudit(tx, [{
          storeId: ctx.storeId, actorType: 'partner', actor: ctx.partnerClientId, action: 'product.updated',
          resourceType: 'product', resourceId: productId, changes, requestId: ctx.requestId,
        }]),
        emitEvents(tx, [{
          partnerId: ctx.partnerId, storeId: ctx.storeId, type: 'product.updated',
          payload: { id: productId, externalId: after.externalId, updatedFields, version: after.version },
        }]),
        afterProductsChanged(tx, ctx.storeId, [productId]),
      ]);
    }
    return { id: productId, hasVariants: becomesVariant, updatedFields, ...after };
  });
}

/**
 * A product with variants has no price, specialPrice, stock or sku of its own (seed 003: they
 * live on its variants), so a product that takes variants loses its own: its sku would still
 * find it (/sku/{sku}) and refuse a variant that SKU, and its stock list it as available. Its
 * own warehouse rows make way for its variants' (their delete recounts its stock); without
 * warehouses its stock row is set to 0. Returns what was cleared, for the audit log.
 */
async function clearOwnFields(tx: Transaction, storeId: string, productId: string,
  current: { sku: string | null; price: number | null; special_price: number | null; stock: number; has_variants: boolean }, noWarehouses: boolean) {
  const held = current.sku !== null || current.price !== null || current.special_price !== null;
  if (held) await tx`update products set sku = null, price = null, special_price = null where store_id = ${unseenStore(tx, storeId)} and id = ${productId}`;
  if (!current.has_variants) {
    await tx`delete from warehouse_stock where store_id = ${storeId} and product_id = ${productId} and variant_id is null`;
    if (noWarehouses && current.stock !== 0) await tx`update product_stock set stock = 0 where store_id = ${storeId} and product_id = ${productId}`;
  }
  const stock = current.has_variants || current.stock === 0 ? undefined : current.stock;
  if (!held && stock === undefined) return undefined;
  return { sku: current.sku, price: current.price, specialPrice: current.special_price, ...(stock === undefined ? {} : { stock }) };
}
