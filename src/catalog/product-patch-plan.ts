import { AppError } from '../errors/app-error.js';
import type { StockPlacement } from '../inventory/warehouse-rules.js';
import { touchesQualityRules } from './after-products-changed.js';
import { PRODUCT_COLUMNS, type ProductPatchInput } from './product-schema.js';

/** Product-level fields a product with variants does not have (seed 003). */
export const VARIANT_RESTRICTED = ['price', 'specialPrice', 'stock', 'sku', 'warehouses'] as const;

export interface PatchContext {
  storeId: string;
  partnerId: string;
  partnerClientId: string;
  requestId: string;
  /** The caller's address, which the audit event records. */
  ip: string | null;
  /** If-Match: the versions the caller accepts (RFC 9110: a list matches when any of its tags does). */
  expectedVersions?: number[];
}

/** PRD_010 when If-Match named versions and the product's is none of them. */
export function checkIfMatch(ctx: PatchContext, productId: string, version: number): void {
  const expected = ctx.expectedVersions;
  if (expected === undefined || expected.includes(version)) return;
  throw new AppError('PRD_010', { productId, expectedVersion: expected.length === 1 ? expected[0] : expected, currentVersion: version });
}

export interface PatchResult { id: string; externalId: string | null; hasVariants: boolean; updatedFields: string[]; version: number }

/**
 * What a PATCH without a variant set changes, worked out from the product as it
 * was read: only the fields sent, and of those only the ones whose stored value
 * would differ (seed 003 sends many fields and lists the three that differed).
 * Values are normalised the way their columns store them (numeric(…, 2) to cents,
 * integer columns rounded, uuids lower-case), so "changed" means the row changes.
 */
export interface PatchPlan {
  /** products columns and their new values, for apply_product_patch. */
  set: Record<string, unknown>;
  /** The product's new stock (the sum of its warehouse rows when it has them), when it changes. */
  stock: number | null;
  /** Warehouse rows to write, when any changes. */
  warehouseRows: { warehouse_id: string; stock: number }[] | null;
  /** For the audit log: each changed field, before and after. */
  changes: Record<string, { before: unknown; after: unknown }>;
  /** The fields sent whose value changed, in the order they were sent. */
  updatedFields: string[];
  /** Whether a column the data-quality rules read changed (none reads name or stock). */
  evaluateQuality: boolean;
  /**
   * What was sent with the value already there: recorded as this PATCH's all the same (field_runs,
   * stock_seq), so that a write accepted before it and applied after it leaves them. The columns,
   * the product's stock, the warehouse rows.
   */
  resent: { set: Record<string, unknown>; stock: number | null; warehouseRows: { warehouse_id: string; stock: number }[] };
}

/** The product as read for a PATCH: its row as to_jsonb renders it (snake_case columns, numerics as numbers). */
export type ProductRow = Record<string, unknown> & { stock: number };

type Kind = 'cents' | 'int' | 'uuid' | 'plain';
const KIND: Partial<Record<keyof typeof PRODUCT_COLUMNS, Kind>> = {
  price: 'cents', specialPrice: 'cents', weight: 'int', minOrder: 'int', preorderPeriod: 'int',
  categoryId: 'uuid', subCategoryId: 'uuid', typeId: 'uuid', brandId: 'uuid',
};
const DIMENSIONS = ['length', 'width', 'height'] as const;

/** Decimal rounding to cents, half away from zero like numeric(…, 2), without binary drift (1.005 -> 1.01). */
export function toCents(value: number): number {
  const sign = value < 0 ? -1 : 1;
  return sign * shiftDecimal(Math.round(shiftDecimal(Math.abs(value), 2)), -2);
}

/**
 * PRD_008's rule on prices as numeric(15, 2) stores them: 10.004 and 10.001 are both 10.00, a
 * special price not below its price once written (they were compared unrounded, and stored so).
 */
/** A special price with no price to be below: refused (review: a product made simple again took one). */
export const SPECIAL_PRICE_WITHOUT_PRICE = 'specialPrice needs a price: the product has none, send price with it';

/** VAL_001 for a special price sent to a simple product that has, and is sent, no price (every PATCH path, and price rows). */
export function assertSpecialPriceHasPrice(specialPriceSent: number | null | undefined, price: number | null | undefined) {
  if (specialPriceSent != null && price == null) throw new AppError('VAL_001', { validationErrors: { specialPrice: SPECIAL_PRICE_WITHOUT_PRICE } });
}

export function specialPriceNotBelow(specialPrice: number | null | undefined, price: number | null | undefined): boolean {
  return specialPrice != null && price != null && toCents(specialPrice) >= toCents(price);
}

/**
 * A PRD_008's context: the two prices as they would be stored (rounded to cents), which the rule compares
 * (it told them as sent: `{price: 10.004, specialPrice: 10.001}` refused, and nothing said why).
 */
export function pricesAsStored<P extends number | null | undefined, S extends number | null | undefined>(price: P, specialPrice: S) {
  return { price: (price == null ? price : toCents(price)) as P, specialPrice: (specialPrice == null ? specialPrice : toCents(specialPrice)) as S };
}

/** The decimal point moved `places` in the digits JavaScript prints (`${value}e2` was NaN, a null price, for 1e-7: "1e-7e2"). */
function shiftDecimal(value: number, places: number): number {
  const [digits, exponent] = value.toExponential().split('e');
  return Number(`${digits}e${Number(exponent) + places}`);
}

/**
 * A payload field's value as its products column stores it (cents, whole numbers,
 * lower-case uuids); the bulk writer sends values this way too, so
 * json_populate_record never meets 250.5 for an integer column.
 */
export function columnValue(field: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (KIND[field as keyof typeof PRODUCT_COLUMNS] ?? 'plain') {
    case 'cents': return toCents(value as number);
    case 'int': return Math.round(value as number);
    case 'uuid': return (value as string).toLowerCase();
    default: return value;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function planPatch(
  current: ProductRow,
  patch: Omit<ProductPatchInput, 'variants'>,
  placement: StockPlacement,
  currentStock: Map<string, number>,
): PatchPlan {
  const plan: PatchPlan = { set: {}, stock: null, warehouseRows: null, changes: {}, updatedFields: [], evaluateQuality: false, resent: { set: {}, stock: null, warehouseRows: [] } };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (field === 'dimensions') {
      const dims = value as Record<(typeof DIMENSIONS)[number], number>;
      const before = DIMENSIONS.map((d) => current[d] ?? null);
      const after = DIMENSIONS.map((d) => toCents(dims[d]));
      if (!same(before, after)) {
        DIMENSIONS.forEach((d, i) => { plan.set[d] = after[i]; });
        plan.changes.dimensions = { before, after };
      } else DIMENSIONS.forEach((d, i) => { plan.resent.set[d] = after[i]; });
      continue;
    }
    if (field === 'stock' || field === 'warehouses') continue;
    const column = PRODUCT_COLUMNS[field as keyof typeof PRODUCT_COLUMNS];
    const after = columnValue(field, value);
    const before = current[column];
    if (same(before, after)) { plan.resent.set[column] = after; continue; }
    plan.set[column] = after;
    plan.changes[field] = { before: before ?? null, after };
  }
  plan.evaluateQuality = touchesQualityRules(Object.keys(plan.set));

  const stockField = patch.warehouses !== undefined ? 'warehouses' : 'stock';
  if (placement.kind === 'product' && placement.stock !== current.stock) {
    plan.stock = placement.stock;
    plan.changes.stock = { before: current.stock, after: placement.stock };
  } else if (placement.kind === 'product') {
    plan.resent.stock = placement.stock;
  } else if (placement.kind === 'warehouses') {
    const changed = placement.allocations.filter((a) => currentStock.get(a.warehouseId) !== a.stock);
    plan.resent.warehouseRows = placement.allocations.filter((a) => currentStock.get(a.warehouseId) === a.stock)
      .map((a) => ({ warehouse_id: a.warehouseId, stock: a.stock }));
    if (changed.length > 0) {
      const next = new Map(currentStock);
      for (const a of placement.allocations) next.set(a.warehouseId, a.stock);
      const total = [...next.values()].reduce((n, s) => n + s, 0);
      plan.warehouseRows = changed.map((a) => ({ warehouse_id: a.warehouseId, stock: a.stock }));
      plan.stock = total;
      plan.changes[stockField] = {
        before: changed.map((a) => ({ clientId: a.clientId, stock: currentStock.get(a.warehouseId) ?? null })),
        after: changed.map((a) => ({ clientId: a.clientId, stock: a.stock })),
      };
      if (total !== current.stock) plan.changes.totalStock = { before: current.stock, after: total };
    }
  }
  plan.updatedFields = Object.keys(plan.changes).filter((k) => k !== 'totalStock');
  return plan;
}
