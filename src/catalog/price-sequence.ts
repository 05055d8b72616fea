import { pricesAsStored, SPECIAL_PRICE_WITHOUT_PRICE, specialPriceNotBelow, toCents } from './product-patch-plan.js';

/** A product's or variant's prices; null where none is set. */
export interface Prices { price: number | null; specialPrice: number | null }

/** What one price row sets: the fields it gives (specialPrice null clears it). */
export interface PriceChange { price?: number; specialPrice?: number | null }

/** A row applied, with the fields whose value it changed (as numeric(15, 2) stores them), or refused (PRD_008). */
export type PriceStep = { ok: true; changed: ('price' | 'specialPrice')[]; before: Prices; after: Prices }
  | { ok: false; code: 'PRD_008'; context: { price: number; specialPrice: number } }
  | { ok: false; code: 'VAL_001'; context: { validationErrors: { specialPrice: string } } };


/** The columns of the prices a change (a price row, a variant-set item) sends, as field_runs names them. */
export const priceColumnsSent = (change: PriceChange) => [
  ...(change.price !== undefined ? ['price'] : []), ...(change.specialPrice !== undefined ? ['special_price'] : []),
];

const differs = (a: number | null, b: number | null) => (a === null || b === null ? a !== b : toCents(a) !== toCents(b));

/**
 * The rows of one PATCH /products/prices request in request order, as if each were
 * sent after the one before. Several rows may address the same product or variant
 * (by sku and by id alike): a row's given fields override, those it omits keep what
 * the rows before it left (at first, the stored prices). specialPrice must stay
 * below price after every row (PRD_008): a row that would break it fails and
 * changes nothing, and the rows after it build on the prices before it.
 *
 * Accept time runs the rows over the stored prices, to answer at once; the worker
 * runs the accepted rows again over the prices it finds, locked, when it applies
 * them, so each row's outcome holds for what was written even when another writer
 * changed the prices in between.
 */
export class PriceSequence {
  private readonly current = new Map<string, Prices>();
  /** Per target, the fields the applied rows set, the later row's value winning: what to write. */
  readonly changes = new Map<string, PriceChange>();
  /**
   * Per target, the columns of the prices the applied rows sent, moved or not: the write records them all as set
   * by this batch (field_runs), so that an earlier-accepted row applied later leaves them. (Only
   * the moved ones recorded, a later request resending the stored price lost to an earlier one.)
   */
  readonly sent = new Map<string, Set<string>>();

  /** Applies one row to `target` (an id), whose stored prices are `stored`. */
  apply(target: string, stored: Prices, change: PriceChange): PriceStep {
    const before = this.current.get(target) ?? stored;
    const after: Prices = {
      price: change.price ?? before.price,
      specialPrice: change.specialPrice !== undefined ? change.specialPrice : before.specialPrice,
    };
    if (specialPriceNotBelow(after.specialPrice, after.price)) {
      return { ok: false, code: 'PRD_008', context: pricesAsStored(after.price!, after.specialPrice!) };
    }
    if (after.specialPrice != null && after.price == null) {
      return { ok: false, code: 'VAL_001', context: { validationErrors: { specialPrice: SPECIAL_PRICE_WITHOUT_PRICE } } };
    }
    this.current.set(target, after);
    const sent = this.sent.get(target) ?? new Set<string>();
    for (const column of priceColumnsSent(change)) sent.add(column);
    if (sent.size > 0) this.sent.set(target, sent);
    // Only what moves is written and reported: a row sending the prices already there changes
    // nothing (no new version, no product.updated; its updatedFields named what it sent), its
    // prices only recorded as this batch's (`sent`).
    const changed = ([['price', before.price, after.price], ['specialPrice', before.specialPrice, after.specialPrice]] as const)
      .filter(([, was, now]) => differs(was, now)).map(([field]) => field);
    if (changed.length > 0) {
      const merged = { ...this.changes.get(target) };
      if (changed.includes('price')) merged.price = after.price!;
      if (changed.includes('specialPrice')) merged.specialPrice = after.specialPrice;
      this.changes.set(target, merged);
    }
    return { ok: true, changed, before, after };
  }
}
