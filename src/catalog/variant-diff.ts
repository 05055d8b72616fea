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
}

/**
 * The variants a with-variants row created, deactivated or changed, each changed variant with its
 * fields before and after, as every update's audit event tells a field (README). Its audit event
 * named every SKU the row sent and nothing of what changed (audit QA).
 */
export function variantSetDiff(before: Record<string, VariantLook>, after: Record<string, VariantLook>): VariantSetDiff | undefined {
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
  return Object.keys(diff).length > 0 ? diff : undefined;
}
