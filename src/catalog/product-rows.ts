import { Type } from '@sinclair/typebox';
import { numbersReadAsParsed } from './body-numbers.js';
import type { Transaction } from '../db/database.js';
import type { RequestOrigin } from '../audit/audit-log.js';
import { AppError, rowError } from '../errors/app-error.js';
import { rowValidator } from '../http/validation/row-validation.js';
import { loadStoreWarehouses, placeStock, stockRowCount } from '../inventory/warehouse-rules.js';
import { rowIdMismatch } from './key-clash.js';
import { acceptBatch, type RowError } from '../batches/batch-store.js';
import { lookupByKey, planEachExecution, uuidKey } from '../db/key-lookup.js';
import { SimpleProductInput, Uuid } from './product-schema.js';
import { findUnknownTaxonomy } from './taxonomy-refs.js';
import { PlanEncoder, type ProductPlan } from './product-plan.js';
import { pricesAsStored, specialPriceNotBelow } from './product-patch-plan.js';

/** Rows per request on every bulk endpoint (documented in the README and the OpenAPI text). */
export const MAX_ROWS_PER_REQUEST = 1000;

/** products/bulk rows may carry the product's id: that row then updates that product. */
export const BulkProductInput = Type.Object({
  id: Type.Optional(Type.Intersect([Uuid], { description: 'Id of the product this row updates; omit to create' })),
  ...SimpleProductInput.properties,
}, { additionalProperties: false });

const checkSync = rowValidator(SimpleProductInput, 'products');
const checkBulk = rowValidator(BulkProductInput, 'products');

export interface Principal { storeId: string; partnerId: string }

export function checkRowCount(count: number) {
  if (count > MAX_ROWS_PER_REQUEST) throw new AppError('PRD_006', { maxRows: MAX_ROWS_PER_REQUEST, received: count });
}

/**
 * Warehouse stock rows a request may place (a catalog, products or inventory request, or a
 * with-variants one): stock without a warehouse list goes to each of the store's warehouses, so
 * 1,000 rows of 100 variants in a store of 30 warehouses were 3,000,000 rows, accepted and then
 * failed by every attempt of the worker (a JSON parameter past V8's longest string), or a 500
 * after 2 GB at accept (limits QA); a store may have any number of warehouses. A chunk of the
 * worker is of one batch: its warehouse rows (one JSON parameter, ~150 bytes a row) stay under it too.
 */
export const MAX_STOCK_ROWS_PER_REQUEST = 100_000;

export function checkStockRowCount(count: number) {
  if (count > MAX_STOCK_ROWS_PER_REQUEST) {
    throw new AppError('PRD_006', {
      maxStockRows: MAX_STOCK_ROWS_PER_REQUEST, received: count,
      reason: "stock is one row a warehouse a row (or variant) names, or a row in each of the store's warehouses when it names none: send fewer rows a request",
    }, 'Too many warehouse stock rows in one request');
  }
}

/**
 * Accepts the rows of a catalog sync (creation only) or products/bulk request:
 * every row is checked at once (schema, prices, taxonomy, warehouse rules,
 * duplicates in the request and in the store, with one query for the whole
 * request); valid rows become a batch, invalid ones are answered now.
 */
export function acceptProductRows(tx: Transaction, who: Principal, origin: RequestOrigin, rows: unknown[], mode: 'sync' | 'bulk', rawBody?: Buffer) {
  checkRowCount(rows.length);
  // Not async: once checked, the parsed rows are referenced by no suspended frame (see checkRows).
  const checked = checkRows(rows, mode, rawBody !== undefined);
  // PostgreSQL reads a well-typed body's rows itself, as numeric: only when its numbers read as checked (body-numbers.ts).
  if (rawBody && checked.wellTyped) checked.wellTyped = numbersReadAsParsed(rawBody);
  return acceptCheckedRows(tx, who, origin, checked, mode, rawBody);
}

type ValidRow = { rowIndex: number; input: SimpleProductInput & { id?: string } };
interface CheckedRows { total: number; valid: ValidRow[]; errors: RowError[]; wellTyped: boolean }

/**
 * What the checks after the lookups read of a row. With the raw body stored, a row's
 * other fields are read back from it, so only these are kept: the parsed body (a
 * 1,000-product request is ~4 MB of small objects) is then garbage before the request's
 * first query instead of after its last, and young-generation collections no longer
 * copy it and promote it: the API's heap grew ~5 MB a 1,000-row request, ~2.3 MB since
 * (docs/performance.md, ninth session).
 */
const keptFields = (r: Record<string, any>): ValidRow['input'] => ({
  // Named one by one, with the absent ones undefined (every check after reads them so): a loop over
  // the names cost ~1 µs a row more (a keyed read and a new shape each), ~0.1 s over a 100,000-row import.
  id: r.id, externalId: r.externalId, sku: r.sku, price: r.price, specialPrice: r.specialPrice, categoryId: r.categoryId,
  subCategoryId: r.subCategoryId, typeId: r.typeId, brandId: r.brandId, stock: r.stock, warehouses: r.warehouses,
}) as ValidRow['input'];

/** The schema check of every row, synchronous (nothing else may hold the parsed rows past it). */
function checkRows(rows: unknown[], mode: 'sync' | 'bulk', fromBody: boolean): CheckedRows {
  const check = mode === 'sync' ? checkSync : checkBulk;
  const errors: RowError[] = [];
  const schemaErrors: Record<string, unknown> = {};
  const valid: ValidRow[] = [];
  const ids = (r: any) => ({ externalId: typeof r?.externalId === 'string' ? r.externalId : undefined, sku: typeof r?.sku === 'string' ? r.sku : undefined });
  rows.forEach((row, rowIndex) => {
    const tree = check(row, rowIndex);
    if (!tree) { valid.push({ rowIndex, input: fromBody ? keptFields(row as unknown as Record<string, unknown>) : row as any }); return; }
    schemaErrors[rowIndex] = tree;
    errors.push(rowError('VAL_001', { rowIndex, ...ids(row) }, { retryable: false, context: { validationErrors: tree } }) as RowError);
  });
  // Nothing usable at all: answer like class-validator does for the whole body (seed 000).
  if (valid.length === 0 && rows.length > 0) throw new AppError('VAL_001', { validationErrors: { products: schemaErrors } });
  return { total: rows.length, valid, errors, wellTyped: Object.keys(schemaErrors).length === 0 };
}

async function acceptCheckedRows(tx: Transaction, who: Principal, origin: RequestOrigin, checked: CheckedRows, mode: 'sync' | 'bulk', rawBody?: Buffer) {
  const { total, valid, errors } = checked;
  const columns = 'x.id, x.external_id, x.sku, x.has_variants, x.special_price::float8';
  const skus = valid.map((v) => v.input.sku);
  // SKUs and externalIds are unique per store across products and variants (PATCH /inventory finds either by them).
  const existing = (tx: Transaction) => tx<{ id: string; external_id: string | null; sku: string | null; has_variants: boolean; special_price: number | null }[]>`
    ${lookupByKey(tx, { table: 'products', key: 'external_id', storeId: who.storeId, values: valid.map((v) => v.input.externalId), columns })}
    union all ${lookupByKey(tx, { table: 'products', key: 'sku', storeId: who.storeId, values: skus, columns })}
    union all ${lookupByKey(tx, { table: 'products', key: 'id', storeId: who.storeId, values: valid.flatMap((v) => (v.input.id ? [v.input.id] : [])), columns })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'sku', storeId: who.storeId, values: skus, columns: 'x.product_id, null, x.sku, true, null::float8' })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'external_id', storeId: who.storeId, values: valid.map((v) => v.input.externalId), columns: 'x.product_id, x.external_id, null, true, null::float8' })}`;
  // The planner setting (before the lookups) and three independent lookups, pipelined on the transaction's connection.
  const [, warehouses, unknownRefs, found] = await Promise.all([
    planEachExecution(tx), loadStoreWarehouses(tx, who.storeId), findUnknownTaxonomy(tx, valid.map((v) => v.input)), existing(tx)]);
  checkStockRowCount(stockRowCount(valid.map((v) => v.input), warehouses));
  const byExternal = new Map(found.filter((e) => e.external_id != null).map((e) => [e.external_id!, e]));
  const bySku = new Map(found.filter((e) => e.sku).map((e) => [e.sku!, e]));
  const byId = new Map(found.map((e) => [e.id, e]));

  const plans = new PlanEncoder();
  const seenExternal = new Set<string>();
  const seenSku = new Set<string>();
  const accepted: { rowIndex: number; payload: unknown }[] = [];
  const acceptedRows: { rowIndex: number; externalId: string; sku: string }[] = [];
  for (const { rowIndex, input } of valid) {
    const fail = (code: Parameters<typeof rowError>[0], context?: Record<string, unknown>) =>
      errors.push(rowError(code, { rowIndex, externalId: input.externalId, sku: input.sku }, { retryable: false, ...(context ? { context } : {}) }) as RowError);
    if (seenExternal.has(input.externalId) || seenSku.has(input.sku)) { fail('PRD_004', { field: seenExternal.has(input.externalId) ? 'externalId' : 'sku' }); continue; }
    seenExternal.add(input.externalId);
    seenSku.add(input.sku);
    if (specialPriceNotBelow(input.specialPrice, input.price)) { fail('PRD_008', pricesAsStored(input.price, input.specialPrice)); continue; }
    const badRef = unknownRefs.get(input);
    if (badRef) { fail('PRD_007', badRef); continue; }
    let target: string | undefined;
    let renames = false;
    if (input.id) {
      const current = byId.get(uuidKey(input.id));
      const mismatch = rowIdMismatch(current, input.externalId, false);
      if (mismatch || !current) { fail('PRD_005', { id: input.id, reason: mismatch }); continue; }
      // Only the fields sent change: a stored specialPrice the row leaves must stay below its price,
      // as in PATCH. Checked here for an answer at once, and again when the row is written (product-writer.ts).
      const specialPrice = input.specialPrice !== undefined ? input.specialPrice : current.special_price;
      if (specialPriceNotBelow(specialPrice, input.price)) { fail('PRD_008', pricesAsStored(input.price, specialPrice)); continue; }
      target = current.id;
      renames = current.sku !== input.sku;
    } else if (byExternal.has(input.externalId)) { fail('PRD_002'); continue; }
    const skuOwner = bySku.get(input.sku);
    if (skuOwner && skuOwner.id !== target) { fail('PRD_003'); continue; }
    const decision = placeStock(input, warehouses, 'product');
    if (!decision.ok) { fail(decision.error.code, { field: decision.error.field, ...decision.error.context }); continue; }
    const plan: ProductPlan = target ? { mode: 'update', id: target, placement: decision.placement, renames } : { mode: 'create', placement: decision.placement };
    // With the raw body at hand the batch stores it as received, and each row's fields and keys
    // are read back from it: the row's plan is all it stores of its own.
    if (rawBody) accepted.push({ rowIndex, payload: plans.encode(plan) });
    else { const { id, ...fields } = input; accepted.push({ rowIndex, payload: { ...plan, input: fields } }); }
    acceptedRows.push({ rowIndex, externalId: input.externalId, sku: input.sku });
  }
  errors.sort((a, b) => a.rowIndex - b.rowIndex);
  const { batchId } = await acceptBatch(tx, {
    storeId: who.storeId, partnerId: who.partnerId, kind: mode === 'sync' ? 'catalog.sync' : 'products.bulk',
    ...origin, total, accepted, rejected: errors,
    source: rawBody ? { body: rawBody, field: 'products', omit: ['id'], wellTyped: checked.wellTyped, warehouses: plans.warehouses } : undefined,
  });
  return { batchId, summary: { total, failed: errors.length, pending: accepted.length }, acceptedRows, errors };
}
