import type { Transaction } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { unseenStore } from '../db/key-lookup.js';
import { placeStock, type StoreWarehouses } from '../inventory/warehouse-rules.js';
import { assertSpecialPriceHasPrice, checkIfMatch, pricesAsStored, specialPriceNotBelow, VARIANT_RESTRICTED, type PatchContext } from './product-patch-plan.js';
import type { ProductPatchInput } from './product-schema.js';
import type { ProductSnapshot } from './product-update.js';
import { findKeyClash, keyClashContext } from './key-clash.js';
import { findUnknownTaxonomy } from './taxonomy-refs.js';
import { checkVariantItems, planVariantItems, refuseTakenKeys, type ExistingVariant } from './variant-set-plan.js';

/**
 * What refuses a PATCH with a variant set, told before it takes the store's key lock, which it
 * holds exclusive until it commits (product-variant-update.ts): meanwhile every new product,
 * rename and writer of variants of the store waits, and a request refused for what it holds
 * should not make them wait. First what the request and the product as read with the
 * credentials tell (the route's prefetch): the product (PRD_001), If-Match (PRD_010), the fields a
 * product with variants does not have (PRD_011), prices (PRD_008), the warehouse rules, the items
 * on their own (PRD_004); then, with plain reads in the PATCH's transaction, before any lock, the
 * taxonomy (PRD_007), the keys other products and variants hold (PRD_002, PRD_003) and the
 * product's variants the items name (PRD_012). A refusal on these reads is one the request met
 * once it came in, as a PATCH without a variant set answers it. The transaction checks all of it
 * again under its locks, so what it accepts is as before; an accepted PATCH pays two pipelined
 * round trips more.
 */
export async function refuseBeforeLocking(tx: Transaction, ctx: PatchContext, productId: string, patch: ProductPatchInput, found: ProductSnapshot | null): Promise<void> {
  if (!found) throw new AppError('PRD_001', { productId });
  const current = found.row;
  checkIfMatch(ctx, productId, current.version as number);
  const { variants, warehouses: whInput, stock, ...fields } = patch;
  const items = variants?.items ?? [];
  if (items.length > 0 || current.has_variants) {
    const sent = VARIANT_RESTRICTED.filter((f) => patch[f] !== undefined);
    if (sent.length > 0) throw new AppError('PRD_011', { field: sent[0], fields: sent });
  }
  if (items.length === 0) {
    const price = patch.price ?? (current.price == null ? undefined : Number(current.price));
    const specialPrice = patch.specialPrice !== undefined ? patch.specialPrice : current.special_price == null ? null : Number(current.special_price);
    // As numeric(15, 2) stores them, as the check under the locks (product-variant-update.ts) compares them.
    // The field the request sent, as the PATCH without a variant set names it (product-update.ts).
    if (specialPriceNotBelow(specialPrice, price)) throw new AppError('PRD_008', { field: patch.specialPrice !== undefined ? 'specialPrice' : 'price', ...pricesAsStored(price, specialPrice) });
    assertSpecialPriceHasPrice(patch.specialPrice, price);
  }
  const warehouses: StoreWarehouses = { byClientId: new Map(found.warehouses) };
  const decision = placeStock({ stock, warehouses: whInput }, warehouses, 'product');
  if (!decision.ok) throw new AppError(decision.error.code, { field: decision.error.field, ...decision.error.context });
  checkVariantItems(items, warehouses);

  // Pipelined on the transaction's connection: one round trip.
  const [unknownRefs, clash, existing] = await Promise.all([
    findUnknownTaxonomy(tx, [fields]),
    findKeyClash(tx, ctx.storeId, productId,
      fields.externalId !== current.external_id ? fields.externalId : undefined, fields.sku !== current.sku ? fields.sku : undefined),
    tx<ExistingVariant[]>`select id, sku, external_id, is_active, options from product_variants where store_id = ${unseenStore(tx, ctx.storeId)} and product_id = ${productId}`,
  ]);
  const badRef = unknownRefs.get(fields);
  if (badRef) throw new AppError('PRD_007', badRef);
  if (clash) throw new AppError(clash, keyClashContext(clash, fields));
  // The locked path writes the product's own fields before its variants: an item may take the externalId the product gives up.
  if (items.length > 0) {
    await refuseTakenKeys(tx, ctx.storeId, productId, planVariantItems(items, existing, warehouses), (fields.externalId ?? current.external_id ?? null) as string | null);
  }
}
