import type { SimpleProductInput } from './product-schema.js';
import { columnValue } from './product-patch-plan.js';

/** products column -> [payload key, default on create]. */
export const COLUMNS: [string, string, string?][] = [
  ['external_id', 'externalId'], ['sku', 'sku'], ['name', 'name'], ['description', 'description'], ['price', 'price'],
  ['special_price', 'specialPrice'], ['weight', 'weight'], ['min_order', 'minOrder', '1'], ['category_id', 'categoryId'],
  ['sub_category_id', 'subCategoryId'], ['type_id', 'typeId'], ['brand_id', 'brandId'], ['barcode', 'barcode'],
  ['hashtags', 'hashtags', "'{}'"], ['condition', 'condition', "'NEW'"], ['photos', 'photos', "'{}'"],
  ['official_banners', 'officialBanners', "'{}'"], ['thumbnails', 'thumbnails', "'{}'"], ['is_preorder', 'isPreorder', 'false'],
  ['preorder_period', 'preorderPeriod', '0'], ['is_archived', 'isArchived', 'false'],
  ['insurance_required', 'insuranceRequired', 'false'], ['cod_enabled', 'codEnabled', 'false'],
];
export const DIMENSIONS = ['length', 'width', 'height'];

/** A row's fields as products columns (snake_case), ready for json(b)_populate_record. */
export function toColumns(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, key] of COLUMNS) {
    if (input[key] !== undefined) out[column] = columnValue(key, input[key]);
  }
  const dims = input.dimensions as Record<string, number> | undefined;
  if (dims) for (const d of DIMENSIONS) out[d] = dims[d];
  return out;
}

/** A row's keys, as outcomes name them. */
export const rowKeys = (input: Partial<SimpleProductInput>) => ({ externalId: input.externalId ?? null, sku: input.sku ?? null });
