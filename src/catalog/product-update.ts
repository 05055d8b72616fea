import type { Sql } from '../db/database.js';
import type postgres from 'postgres';
import { AppError } from '../errors/app-error.js';
import { lockedStoreWarehouses, placeStock, type StoreWarehouses } from '../inventory/warehouse-rules.js';
import { assertSpecialPriceHasPrice, checkIfMatch, planPatch, pricesAsStored, specialPriceNotBelow, VARIANT_RESTRICTED, type PatchContext, type PatchPlan, type PatchResult, type ProductRow } from './product-patch-plan.js';
import { MAX_INTEGER, type ProductPatchInput } from './product-schema.js';
import { patchRefusal, stockTotalTooLarge } from './patch-refusals.js';
import { updateProductWithVariantSet } from './product-variant-update.js';
import { findKeyClash, keyClashContext } from './key-clash.js';
import { findUnknownTaxonomy } from './taxonomy-refs.js';
import { productStock } from './product-read.js';
import { lostRace, retryingLostRaces } from '../db/lost-races.js';
import { limitLockWaits, lockWaitTooLong } from './patch-lock-wait.js';

export type { PatchContext, PatchResult };

/** Attempts before a PATCH that keeps losing races to other writers of the same product gives up. */
const MAX_ATTEMPTS = 20;
/**
 * Attempts of a PATCH with a variant set that PostgreSQL ends to break a deadlock (40P01). It
 * writes a variant's row before its warehouse rows, and a stock chunk the other way round (its
 * triggers move the variant's stock): one of the two is ended, and the PATCH, rolled back whole,
 * runs again once the chunk has committed. Then PRD_014, as for the optimistic path.
 */
const MAX_DEADLOCK_ATTEMPTS = 3;

/**
 * PATCH /products/{id} (seed 003): only the fields sent change, atomically; a
 * refused request changes nothing. With a variant set it runs as one locking
 * transaction (product-variant-update.ts). Without one, the common case, it is
 * optimistic and takes two round trips: read the product, check every rule and
 * work out the changes here, then apply them in one call that writes only if the
 * product is still at the version read, and its stock as read when stock is sent
 * (apply_product_patch, migrations 0060 and 0086); when another writer got there
 * first, it starts over from the new state.
 */
export async function updateProduct(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput, prefetched?: ProductSnapshot | null): Promise<PatchResult> {
  try {
    return patch.variants !== undefined
      ? await updateWithVariantSet(sql, ctx, productId, patch, prefetched)
      : await updateOptimistically(sql, ctx, productId, patch, prefetched);
  } catch (err) {
    throw lockWaitTooLong(err, productId) ?? patchRefusal(err, patch);
  }
}

async function updateWithVariantSet(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput, prefetched?: ProductSnapshot | null): Promise<PatchResult> {
  try {
    return await retryingLostRaces(() => updateProductWithVariantSet(sql, ctx, productId, patch, prefetched), { attempts: MAX_DEADLOCK_ATTEMPTS });
  } catch (err) {
    if (lostRace(err)) throw new AppError('PRD_014', { productId, attempts: MAX_DEADLOCK_ATTEMPTS });
    throw err;
  }
}

async function updateOptimistically(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput, prefetched?: ProductSnapshot | null): Promise<PatchResult> {
  for (let attempt = 1; ; attempt++) {
    // The first attempt may start from the snapshot read with the credentials; a retry reads anew.
    const result = await tryPatch(sql, ctx, productId, patch, attempt === 1 ? prefetched : undefined).catch(endedByDeadlock);
    if (result) return result;
    // The next attempt reads the product again (and answers PRD_010 if If-Match is stale by then).
    if (attempt >= MAX_ATTEMPTS) throw new AppError('PRD_014', { productId, attempts: attempt });
  }
}

/**
 * A deadlock PostgreSQL broke by ending this PATCH's statement (40P01) is a race lost, run again
 * (it was a 500). A PATCH changing an externalId or SKU locked the product's row, then (0090's
 * trigger) the store's key lock, which a writer of variants takes first; it now takes that lock
 * first too (0096), so the retry is left for an order between writers not foreseen here.
 */
function endedByDeadlock(err: unknown): null {
  if (lostRace(err)) return null;
  throw err;
}

/** What a PATCH reads first: the product row, its store's warehouses and its own stock rows. */
export interface ProductSnapshot { row: ProductRow; warehouses: [string, string][]; stock_rows: [string, number][] }

/**
 * The snapshot as one scalar sub-select (null when the store has no such product),
 * for the store `storeId` names: a parameter, or `s.id` inside the partner
 * credential lookup, which makes this read in the same round trip
 * (config.prefetch of the PATCH route).
 */
export function productSnapshotSelect(sql: Sql, storeId: postgres.Fragment, productId: string): postgres.Fragment {
  return sql`(select json_build_object('row', to_jsonb(p) || jsonb_build_object('stock', ${productStock(sql)}),
      'warehouses', (select coalesce(json_agg(json_build_array(w.client_id, w.id)), '[]') from warehouses w where w.store_id = p.store_id),
      'stock_rows', (select coalesce(json_agg(json_build_array(ws.warehouse_id, ws.stock)), '[]') from warehouse_stock ws
        where ws.store_id = p.store_id and ws.product_id = p.id and ws.variant_id is null))
    from products p where p.store_id = ${storeId} and p.id = ${productId}::uuid)`;
}

async function readProduct(sql: Sql, storeId: string, productId: string): Promise<ProductSnapshot | null> {
  const [{ snapshot }] = await sql<{ snapshot: ProductSnapshot | null }[]>`select ${productSnapshotSelect(sql, sql`${storeId}::uuid`, productId)} as snapshot`;
  return snapshot;
}

async function tryPatch(sql: Sql, ctx: PatchContext, productId: string, patch: ProductPatchInput, prefetched?: ProductSnapshot | null): Promise<PatchResult | null> {
  const { variants: _none, ...fields } = patch;
  const found = prefetched !== undefined ? prefetched : await readProduct(sql, ctx.storeId, productId);
  if (!found) throw new AppError('PRD_001', { productId });
  const current = found.row;
  const version = current.version as number;
  checkIfMatch(ctx, productId, version);
  if (current.has_variants) {
    const sent = VARIANT_RESTRICTED.filter((f) => patch[f] !== undefined);
    if (sent.length > 0) throw new AppError('PRD_011', { field: sent[0], fields: sent });
  }
  const price = patch.price ?? (current.price === null ? undefined : Number(current.price));
  const specialPrice = patch.specialPrice !== undefined ? patch.specialPrice : current.special_price === null ? null : Number(current.special_price);
  if (!current.has_variants && specialPriceNotBelow(specialPrice, price)) {
    // The field the request sent (it named specialPrice when only price was: QA).
    throw new AppError('PRD_008', { field: patch.specialPrice !== undefined ? 'specialPrice' : 'price', ...pricesAsStored(price, specialPrice) });
  }
  // A special price below no price: a product made simple again has none, and took one (QA).
  if (!current.has_variants) assertSpecialPriceHasPrice(patch.specialPrice, price);
  const [unknownRefs, clash] = await Promise.all([
    findUnknownTaxonomy(sql, [fields]),
    findKeyClash(sql, ctx.storeId, productId,
      fields.externalId !== current.external_id ? fields.externalId : undefined, fields.sku !== current.sku ? fields.sku : undefined),
  ]);
  const badRef = unknownRefs.get(fields);
  if (badRef) throw new AppError('PRD_007', badRef);
  // The key that clashed is named with its field, as a variant item's is (variant-set-plan.ts).
  if (clash) throw new AppError(clash, keyClashContext(clash, fields));

  const warehouses: StoreWarehouses = { byClientId: new Map(found.warehouses) };
  const decision = placeStock({ stock: patch.stock, warehouses: patch.warehouses }, warehouses, 'product');
  if (!decision.ok) throw new AppError(decision.error.code, { field: decision.error.field, ...decision.error.context });

  const plan = planPatch(current, fields, decision.placement, new Map(found.stock_rows));
  if (plan.stock !== null && plan.stock > MAX_INTEGER) throw stockTotalTooLarge(patch.warehouses !== undefined ? 'warehouses' : 'stock', 'product');
  const result = { id: productId, hasVariants: current.has_variants as boolean, updatedFields: plan.updatedFields };
  const externalId = (plan.set.external_id ?? current.external_id ?? null) as string | null;
  if (plan.updatedFields.length === 0) return (await recordResent(sql, ctx.storeId, productId, version, plan)) ? { ...result, externalId, version } : null;

  // With warehouse rows the product's stock is left to their triggers: an update of a
  // row moves it by the change (0066), so writing the new total as well would count it twice.
  // Stock writers leave the version as it is: a PATCH that sends stock writes only if the
  // stock is still what it read, else it starts over (0086), or it could lose what it was sent.
  const stockRead = decision.placement.kind === 'product' ? current.stock
    : decision.placement.kind === 'warehouses' ? Object.fromEntries(found.stock_rows) : null;
  // What was sent with the value already there is written too (the same value): recorded as this
  // PATCH's (0126's field_runs, stock_seq), so that an earlier-accepted batch applied later leaves it.
  const warehouseRows = [...(plan.warehouseRows ?? []), ...plan.resent.warehouseRows];
  const apply = async (q: Sql | postgres.TransactionSql) => (await q<{ version: number | null }[]>`
    select apply_product_patch(${ctx.storeId}::uuid, ${productId}::uuid, ${version}::int, ${q.json({ ...plan.resent.set, ...plan.set } as any)}::jsonb,
      ${plan.warehouseRows ? null : plan.stock ?? plan.resent.stock}::int, ${warehouseRows.length > 0 ? q.json(warehouseRows as any) : null}::jsonb,
      ${q.json({ actor_type: 'partner', actor: ctx.partnerClientId, action: 'product.updated', changes: plan.changes, request_id: ctx.requestId, ip_address: ctx.ip } as any)}::jsonb,
      ${q.json({ partner_id: ctx.partnerId, type: 'product.updated', payload: { id: productId, externalId, updatedFields: plan.updatedFields } } as any)}::jsonb,
      ${plan.evaluateQuality}, ${stockRead === null ? null : q.json(stockRead as any)}::jsonb) as version`)[0];
  // Product-level stock (the store had no warehouse when read): applied under the store's row,
  // share-locked, while it still has none; a first warehouse added since (it took the stock over,
  // add_warehouse, which locks that row for update) starts the PATCH over, placed as now (QA: the
  // total was written alone, out of step with the new warehouse's row for good).
  const applied = decision.placement.kind !== 'product' ? await apply(sql) : await sql.begin(async (tx) => {
    // Pipelined: one round trip for the limit and the lock.
    const [, now] = await Promise.all([limitLockWaits(tx), lockedStoreWarehouses(tx, ctx.storeId)]);
    return now.byClientId.size > 0 ? { version: null } : apply(tx);
  });
  if (applied.version === null) return null;
  return { ...result, externalId, version: applied.version };
}

class ResentMoved extends Error {}

/**
 * A PATCH that changed nothing still holds what it sent against the writes accepted before it and
 * applied after it (review QA: a price batch accepted before a PATCH resending the stored price
 * then won): the columns and stock it sent are recorded as its own, its version and stock as read
 * (else false: the caller starts over, as when apply_product_patch finds them moved).
 */
async function recordResent(sql: Sql, storeId: string, productId: string, version: number, plan: PatchPlan): Promise<boolean> {
  const columns = Object.keys(plan.resent.set);
  const rows = plan.resent.warehouseRows;
  if (columns.length === 0 && plan.resent.stock === null && rows.length === 0) return true;
  try {
    return await sql.begin(async (tx) => {
      const [, [p]] = await Promise.all([limitLockWaits(tx), tx`
        update products set field_runs = field_runs_written(field_runs, nextval('batch_accept_seq') * 10000, product_field_mask(${columns}::text[]))
        where store_id = ${storeId} and id = ${productId} and version = ${version}
        returning currval('batch_accept_seq') * 10000 as seq`]);
      if (!p) return false;
      if (plan.resent.stock !== null) {
        const moved = await tx`update product_stock set stock_seq = ${p.seq} where store_id = ${storeId} and product_id = ${productId} and stock = ${plan.resent.stock}`;
        if (moved.count === 0) throw new ResentMoved();
      }
      if (rows.length > 0) {
        // In the key order the stock chunks lock them (0082).
        const moved = await tx`
          update warehouse_stock ws set stock_seq = ${p.seq} from (
            select w.warehouse_id, w.stock from jsonb_to_recordset(${tx.json(rows as any)}::jsonb) as w (warehouse_id uuid, stock integer) order by w.warehouse_id) r
          where ws.store_id = ${storeId} and ws.product_id = ${productId} and ws.variant_id is null and ws.warehouse_id = r.warehouse_id and ws.stock = r.stock`;
        if (moved.count !== rows.length) throw new ResentMoved();
      }
      return true;
    });
  } catch (err) {
    if (err instanceof ResentMoved) return false;
    throw err;
  }
}
