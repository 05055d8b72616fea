import { Type, type Static } from '@sinclair/typebox';
import type { Transaction } from '../db/database.js';
import type { RequestOrigin } from '../audit/audit-log.js';
import { AppError, rowError } from '../errors/app-error.js';
import { rowValidator } from '../http/validation/row-validation.js';
import { acceptBatch, type RowError } from '../batches/batch-store.js';
import { PriceSequence } from './price-sequence.js';
import { checkRowCount, type Principal } from './product-rows.js';
import { productFieldSchemas, Uuid } from './product-schema.js';
import { lookupByKey, uuidKey, VARIANT_PRODUCT_EXTERNAL_ID } from '../db/key-lookup.js';

/** One price change: by sku (a simple product or a variant) or by id (simple products only). */
export const PriceItem = Type.Object({
  sku: Type.Optional(productFieldSchemas.sku),
  id: Type.Optional(Uuid),
  price: Type.Optional(productFieldSchemas.price),
  specialPrice: Type.Optional(productFieldSchemas.specialPrice),
}, { additionalProperties: false });
type PriceItem = Static<typeof PriceItem>;
const check = rowValidator(PriceItem, 'items');

/** What the worker applies of an accepted row (price-batches.ts). */
export interface PriceRow {
  target: 'product' | 'variant'; productId: string; variantId: string | null; price?: number; specialPrice?: number | null;
  /** The identifier the row was sent with ({sku} or {id}), for its outcome if it fails when applied (absent before 2026-12-06). */
  sent?: { sku: string } | { id: string };
}

/**
 * Accepts PATCH /products/prices: rows resolved and checked against current prices with one
 * query; rows for the same target are checked in request order (price-sequence.ts).
 */
export async function acceptPriceRows(tx: Transaction, who: Principal, origin: RequestOrigin, items: unknown[]) {
  checkRowCount(items.length);
  const errors: RowError[] = [];
  const schemaErrors: Record<number, unknown> = {};
  const valid: { rowIndex: number; item: PriceItem; by: 'sku' | 'id' }[] = [];
  items.forEach((raw, rowIndex) => {
    const tree = check(raw, rowIndex);
    if (tree) {
      schemaErrors[rowIndex] = tree;
      // Named by what it sent, as every other refused row is.
      const sent = Object.fromEntries((['sku', 'id'] as const).flatMap((k) => { const v = (raw as Record<string, unknown> | null)?.[k]; return typeof v === 'string' ? [[k, v]] : []; }));
      errors.push(rowError('VAL_001', { rowIndex, ...sent }, { context: { validationErrors: schemaErrors[rowIndex] } }) as RowError);
      return;
    }
    const item = raw as PriceItem;
    const by = (['sku', 'id'] as const).filter((k) => item[k] !== undefined);
    // The identifiers it sent, as PATCH /inventory's refusal names them.
    if (by.length !== 1) { errors.push(rowError('INV_004', { rowIndex, ...Object.fromEntries(by.map((k) => [k, item[k]])) }, { context: { given: by } }) as RowError); return; }
    if (item.price === undefined && item.specialPrice === undefined) { errors.push(rowError('PRD_041', { rowIndex, [by[0]]: item[by[0]] }) as RowError); return; }
    valid.push({ rowIndex, item, by: by[0] });
  });
  // Nothing usable at all: the whole body is VAL_001, as on every bulk endpoint (seed 000).
  if (items.length > 0 && Object.keys(schemaErrors).length === items.length) throw new AppError('VAL_001', { validationErrors: { items: schemaErrors } });
  const skus = [...new Set(valid.flatMap((v) => (v.by === 'sku' ? [v.item.sku!] : [])))];
  const ids = [...new Set(valid.flatMap((v) => (v.by === 'id' ? [uuidKey(v.item.id!)] : [])))];
  // One probe of the key's index per value (lookupByKey): `store_id = … and sku = any(…)` read a
  // 6,000-product store whole, three times, on a marketplace's statistics (2,000 small stores).
  const product = (by: string, key: string) => `'${by}' as by, x.${key}::text as key, 'product' as target, x.id as product_id, null::uuid as variant_id,
    x.sku, x.has_variants, x.price::float8, x.special_price::float8, x.external_id`;
  const targets = await tx<{ by: string; key: string; target: PriceRow['target']; product_id: string; variant_id: string | null; sku: string | null; has_variants: boolean; price: number | null; special_price: number | null; external_id: string | null }[]>`
    ${lookupByKey(tx, { table: 'products', key: 'sku', storeId: who.storeId, values: skus, columns: product('sku', 'sku') })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'sku', storeId: who.storeId, values: skus,
      columns: `'sku', x.sku, 'variant', x.product_id, x.id, x.sku, false, x.price::float8, x.special_price::float8, ${VARIANT_PRODUCT_EXTERNAL_ID}` })}
    union all ${lookupByKey(tx, { table: 'products', key: 'id', storeId: who.storeId, values: ids, columns: product('id', 'id') })}`;
  const found = new Map(targets.map((t) => [`${t.by}:${t.key}`, t]));
  const accepted: { rowIndex: number; payload: PriceRow }[] = [];
  const acceptedRows: Record<string, unknown>[] = [];
  const sequence = new PriceSequence();
  for (const { rowIndex, item, by } of valid) {
    const ident = { [by]: item[by] };
    const t = found.get(`${by}:${by === 'id' ? uuidKey(item.id!) : item.sku}`);
    // Each refusal says why in details.context, as PATCH /inventory's do (seed 002).
    if (!t) {
      errors.push(rowError(by === 'sku' ? 'INV_001' : 'PRD_001', { rowIndex, ...ident }, { context: { reason: by === 'sku' ? 'Product SKU not found' : 'Product ID not found' } }) as RowError);
      continue;
    }
    if (t.target === 'product' && t.has_variants) { errors.push(rowError('PRD_040', { rowIndex, ...ident }, { context: { id: t.product_id } }) as RowError); continue; }
    const step = sequence.apply(t.variant_id ?? t.product_id, { price: t.price, specialPrice: t.special_price }, item);
    if (!step.ok) { errors.push(rowError(step.code, { rowIndex, ...ident }, { context: step.context }) as RowError); continue; }
    accepted.push({ rowIndex, payload: { target: t.target, productId: t.product_id, variantId: t.variant_id, price: item.price, specialPrice: item.specialPrice, sent: ident as PriceRow['sent'] } });
    // As PATCH /inventory's rows (seed 002): the product's id, a variant named by its sku.
    acceptedRows.push({ rowIndex, target: t.target, id: t.product_id, ...(t.external_id != null ? { externalId: t.external_id } : {}), ...(t.sku ? { sku: t.sku } : {}) });
  }
  errors.sort((a, b) => a.rowIndex - b.rowIndex);
  const { batchId } = await acceptBatch(tx, { storeId: who.storeId, partnerId: who.partnerId, kind: 'products.prices', ...origin, total: items.length, accepted, rejected: errors });
  return { batchId, summary: { total: items.length, failed: errors.length, pending: accepted.length }, acceptedRows, errors };
}
