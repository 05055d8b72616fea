import type { Sql, Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { recordAudit } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { loadStoreWarehouses, placeStock, type StockPlacement } from '../inventory/warehouse-rules.js';
import { afterProductsChanged } from './after-products-changed.js';
import { MAX_INTEGER, type ProductPatchInput } from './product-schema.js';
import { stockTotalTooLarge } from './patch-refusals.js';
import { writeProducts } from './product-writer.js';
import { findKeyClash, keyClashContext } from './key-clash.js';
import { findUnknownTaxonomy } from './taxonomy-refs.js';
import { applyVariantSet } from './variant-set.js';
import { lockStoreKeysForVariants } from './variant-writers-lock.js';
import { assertSpecialPriceHasPrice, checkIfMatch, planPatch, pricesAsStored, specialPriceNotBelow, VARIANT_RESTRICTED, type PatchContext, type PatchResult, type ProductRow } from './product-patch-plan.js';
import { unseenStore } from '../db/key-lookup.js';
import { productStock } from './product-read.js';
import type { ProductSnapshot } from './product-update.js';
import { refuseBeforeLocking } from './variant-set-precheck.js';
import { variantSetBeforeAfter, variantSetLooks } from './variant-set-changes.js';
import { variantSetDiff } from './variant-diff.js';
import { limitLockWaits } from './patch-lock-wait.js';

/**
 * PATCH /products/{id} with a variant set (seed 003): the product's fields and
 * its variants change in one transaction, under the product's row lock; a
 * refused request changes nothing. updatedFields lists what actually changed,
 * and the version moves only when something did.
 */
export async function updateProductWithVariantSet(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput, prefetched?: ProductSnapshot | null): Promise<PatchResult> {
  return sql.begin(async (tx) => {
    // What refuses the request, told without the store's key lock (with the product as the route
    // read it), pipelined after the lock wait's limit.
    await Promise.all([limitLockWaits(tx), prefetched !== undefined ? refuseBeforeLocking(tx, ctx, productId, patch, prefetched) : undefined]);
    // Before the product's row lock, as a with-variants chunk takes it before its parents'.
    await lockStoreKeysForVariants(tx, ctx.storeId);
    const [found] = await tx<{ row: ProductRow }[]>`
      select to_jsonb(p) || jsonb_build_object('stock', ${productStock(tx)}) as row from products p
      where store_id = ${unseenStore(tx, ctx.storeId)} and id = ${productId} for update`;
    if (!found) throw new AppError('PRD_001', { productId });
    const current = found.row as ProductRow & { sku: string | null; external_id: string | null; price: number | null; special_price: number | null; has_variants: boolean; version: number };
    checkIfMatch(ctx, productId, current.version);
    const { variants, warehouses: whInput, stock, ...fields } = patch;
    // Called for a PATCH that sends a variant set (product-update.ts): items [] makes it simple again.
    if (variants === undefined) throw new Error('updateProductWithVariantSet needs a variant set');
    const becomesVariant = variants.items.length > 0;
    // Seed 003: "If the product has variants or variants.items is non-empty", these fields are
    // not allowed, beside items [] too: a product made simple takes them in a PATCH of its own.
    if (becomesVariant || current.has_variants) {
      const sent = VARIANT_RESTRICTED.filter((f) => patch[f] !== undefined);
      if (sent.length > 0) throw new AppError('PRD_011', { field: sent[0], fields: sent });
    }
    if (becomesVariant && !current.has_variants) current.stock = await lockStockOfConverted(tx, ctx.storeId, productId);
    const price = patch.price ?? current.price ?? undefined;
    const specialPrice = patch.specialPrice !== undefined ? patch.specialPrice : current.special_price;
    if (!becomesVariant && specialPriceNotBelow(specialPrice, price)) {
      throw new AppError('PRD_008', { field: patch.specialPrice !== undefined ? 'specialPrice' : 'price', ...pricesAsStored(price, specialPrice) });
    }
    if (!becomesVariant) assertSpecialPriceHasPrice(patch.specialPrice, price);
    const badRef = (await findUnknownTaxonomy(tx, [fields])).get(fields);
    if (badRef) throw new AppError('PRD_007', badRef);
    const clash = await findKeyClash(tx, ctx.storeId, productId,
      fields.externalId !== current.external_id ? fields.externalId : undefined, fields.sku !== current.sku ? fields.sku : undefined);
    if (clash) throw new AppError(clash, keyClashContext(clash, fields));
    const warehouses = await loadStoreWarehouses(tx, ctx.storeId);
    const decision = placeStock({ stock, warehouses: whInput }, warehouses, 'product');
    if (!decision.ok) throw new AppError(decision.error.code, { field: decision.error.field, ...decision.error.context });

    // What the product's own fields and stock change, against its stock as locked (stock writers do not lock the product).
    const held = await lockOwnStock(tx, ctx.storeId, productId, decision.placement);
    const plan = planPatch({ ...current, stock: held.stock ?? current.stock }, fields, decision.placement, held.rows);
    if (plan.stock !== null && plan.stock > MAX_INTEGER) throw stockTotalTooLarge(whInput !== undefined ? 'warehouses' : 'stock', 'product');
    const changes: Record<string, unknown> = { ...plan.changes };
    let version = current.version;
    if (plan.updatedFields.length > 0) {
      // The price rule was checked above, under the product's lock, knowing whether it becomes a product with variants.
      const [outcome] = await writeProducts(tx, ctx.storeId, [{ rowIndex: 0, mode: 'update', id: productId, input: fields, placement: decision.placement, allowVariants: true }], { savepoint: false, specialPriceRule: false });
      if (!outcome.ok) throw new AppError(outcome.code ?? 'PRD_003', { productId });
      version = outcome.version!;
    }

    // The variants as they were, for the audit event's before and after (it named SKUs only: QA).
    const looksBefore = (await variantSetLooks(tx, ctx.storeId, [productId])).get(productId);
    // Before the variants are written: one of them may take the product's own sku.
    if (becomesVariant) {
      const cleared = await clearOwnFields(tx, ctx.storeId, productId, current, warehouses.byClientId.size === 0);
      if (cleared) changes.clearedForVariants = cleared;
    }
    const { changed, setChanged: rewritten, ...result } = await applyVariantSet(tx, ctx.storeId, productId, variants.items, warehouses);
    if (becomesVariant !== current.has_variants) changes.hasVariants = { before: current.has_variants, after: becomesVariant };
    if (changed || changes.hasVariants) {
      const looksAfter = (await variantSetLooks(tx, ctx.storeId, [productId])).get(productId);
      changes.variants = variantSetDiff(...variantSetBeforeAfter(looksBefore, looksAfter)) ?? result;
    }
    // writeProducts moved the version already when the product's own fields changed. Any change a
    // PATCH makes is a new version (its ETag), its variants' or its own stock alone too; updated_at
    // moves with its fields or its variant set, not with stock (0130; QA).
    const setChanged = changes.hasVariants !== undefined || rewritten;
    if (version === current.version && (changes.variants || plan.updatedFields.length > 0)) {
      [{ version }] = await tx<{ version: number }[]>`
        update products set has_variants = ${becomesVariant}, version = version + 1 ${setChanged ? tx`, updated_at = now()` : tx``}
        where store_id = ${unseenStore(tx, ctx.storeId)} and id = ${productId} returning version`;
    } else if (changes.hasVariants) {
      await tx`update products set has_variants = ${becomesVariant} where store_id = ${unseenStore(tx, ctx.storeId)} and id = ${productId}`;
    }
    // Made simple again: stock accepted for it before this PATCH fails when applied (0129), as
    // stock accepted before it was given variants does; stock chunks read this mark, not products.
    // Its sequence: the one applyVariantSet recorded the set with (field_runs).
    if (current.has_variants && !becomesVariant) {
      await tx`
        insert into products_made_simple (store_id, product_id, seq)
        select store_id, id, field_runs_seq_of(field_runs, product_field_mask('{variant_set}')) from products
        where store_id = ${unseenStore(tx, ctx.storeId)} and id = ${productId}
        on conflict (store_id, product_id) do update set seq = excluded.seq`;
    }
    // The fields a conversion cleared (sku, price, specialPrice, stock) changed too: named (they were
    // left out, and updatedFields said "variants" of a product whose price had gone; QA).
    const cleared = Object.entries((changes.clearedForVariants as Record<string, unknown> | undefined) ?? {}).flatMap(([k, v]) => (v === null ? [] : [k]));
    const updatedFields = [...new Set([...Object.keys(changes).filter((k) => k !== 'hasVariants' && k !== 'clearedForVariants' && k !== 'totalStock'), ...cleared])];
    const after = { externalId: (fields.externalId ?? current.external_id) as string | null, version };
    if (updatedFields.length > 0) {
      // Independent statements: postgres.js pipelines them on the transaction's connection.
      await Promise.all([
        recordAudit(tx, [{
          storeId: ctx.storeId, actorType: 'partner', actor: ctx.partnerClientId, action: 'product.updated',
          resourceType: 'product', resourceId: productId, changes, requestId: ctx.requestId, ipAddress: ctx.ip,
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
 * The product's own stock that a PATCH sends anew, locked: its stock row (no warehouses)
 * or its warehouse rows, in the order of their key, as the stock chunks write them (0082).
 */
async function lockOwnStock(tx: Transaction, storeId: string, productId: string, placement: StockPlacement) {
  if (placement.kind === 'product') {
    const [row] = await tx<{ stock: number }[]>`select stock from product_stock where store_id = ${storeId} and product_id = ${productId} for update`;
    return { stock: row?.stock, rows: new Map<string, number>() };
  }
  if (placement.kind === 'none') return { stock: undefined, rows: new Map<string, number>() };
  const rows = await tx<{ warehouse_id: string; stock: number }[]>`
    select warehouse_id, stock from warehouse_stock where store_id = ${storeId} and product_id = ${productId} and variant_id is null
    order by warehouse_id for update`;
  return { stock: undefined, rows: new Map(rows.map((r) => [r.warehouse_id, r.stock])) };
}

/**
 * The own stock of a simple product about to take variants, locked until commit, and its total
 * read after the locks. A stock chunk that writes it (rows accepted while it was simple) then
 * either committed first, and its stock is cleared with the rest (clearOwnFields), or waits for
 * this PATCH and then finds the product with variants (0089: its row fails INV_005). Unlocked, a
 * chunk committing in between (the product read, its variants not yet written) left it a stock
 * of its own. Its warehouse rows first, in key order, then its total: the stock chunks' order.
 */
async function lockStockOfConverted(tx: Transaction, storeId: string, productId: string): Promise<number> {
  await tx`select from warehouse_stock where store_id = ${storeId} and product_id = ${productId} and variant_id is null order by warehouse_id for update`;
  const [row] = await tx<{ stock: number }[]>`select stock from product_stock where store_id = ${storeId} and product_id = ${productId} for update`;
  return row?.stock ?? 0;
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
