/**
 * The order a product's variants are read in (0149): the active ones by their place in the set
 * last sent, then the rest (deactivated, and variants written before 0149 or by a process older
 * than it) by creation time and SKU. A deactivated variant's place is ignored, not only cleared:
 * a process from before 0149 deactivates without clearing it (a rolling deploy; review).
 * `v` is the product_variants alias.
 */
export const variantReadOrder = (v: string) => `case when ${v}.is_active then ${v}.position end nulls last, ${v}.created_at, ${v}.sku`;
