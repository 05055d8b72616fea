/** A variant's values as the audit tells them (variant-set-changes.ts reads them before and after a write). */
export interface VariantLook {
  externalId: string | null; options: Record<string, string>; price: number | null; specialPrice: number | null;
  barcode: string | null; photos: string[]; isActive: boolean; stock: number;
}

type FieldChange = { before: unknown; after: unknown };

/** What a write did to a product's variants, for its audit event; undefined when nothing. */
export interface VariantSetDiff {
  created?: string[];
  deactivated?: string[];
  reactivated?: string[];
  /** Per SKU, each field that moved, before and after (deactivation and reactivation are told above, not here). */
  updated?: Record<string, Record<string, FieldChange>>;
  /**
   * The order of the variants on sale before and after, when a set sent in a new order moved them
   * (0149); only the variants on sale in both, so a variant added or deactivated is told above alone.
   */
  reordered?: { before: string[]; after: string[] };
}

/** A variant set's values by SKU and its SKUs in read order (variant-set-changes.ts, variantSetBeforeAfter). */
export interface VariantSetLook { looks: Record<string, VariantLook>; order: string[] }

/**
 * The variants a with-variants row created, deactivated or changed, each changed variant with its
 * fields before and after, as every update's audit event tells a field (README). Its audit event
 * named every SKU the row sent and nothing of what changed (audit QA).
 */
export function variantSetDiff(beforeSet: VariantSetLook, afterSet: VariantSetLook): VariantSetDiff | undefined {
  const [before, after] = [beforeSet.looks, afterSet.looks];
  const diff: VariantSetDiff = {};
  const created = Object.keys(after).filter((sku) => !(sku in before)).sort();
  const deactivated = Object.keys(after).filter((sku) => before[sku]?.isActive && !after[sku].isActive).sort();
  const reactivated = Object.keys(after).filter((sku) => sku in before && !before[sku].isActive && after[sku].isActive).sort();
  const updated: Record<string, Record<string, FieldChange>> = {};
  for (const sku of Object.keys(after).filter((k) => k in before).sort()) {
    const fields = (Object.keys(after[sku]) as (keyof VariantLook)[]).filter((f) => f !== 'isActive'
      && JSON.stringify(before[sku][f]) !== JSON.stringify(after[sku][f]));
    if (fields.length > 0) updated[sku] = Object.fromEntries(fields.map((f) => [f, { before: before[sku][f], after: after[sku][f] }]));
  }
  if (created.length > 0) diff.created = created;
  if (deactivated.length > 0) diff.deactivated = deactivated;
  if (reactivated.length > 0) diff.reactivated = reactivated;
  if (Object.keys(updated).length > 0) diff.updated = updated;
  // A reorder was audited as nothing (changes: {}), though it moved the version (QA).
  const onSaleInBoth = (sku: string) => before[sku]?.isActive && after[sku]?.isActive;
  const [was, is] = [beforeSet.order.filter(onSaleInBoth), afterSet.order.filter(onSaleInBoth)];
  if (was.join('\u0000') !== is.join('\u0000')) diff.reordered = { before: was, after: is };
  return Object.keys(diff).length > 0 ? diff : undefined;
}
