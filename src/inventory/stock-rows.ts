import { Type, type Static } from '@sinclair/typebox';
import type { Transaction } from '../db/database.js';
import type { RequestOrigin } from '../audit/audit-log.js';
import { AppError, rowError } from '../errors/app-error.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { rowValidator } from '../http/validation/row-validation.js';
import { acceptBatch, newBatchId, type RowError } from '../batches/batch-store.js';
import { lookupByKey, planEachExecution, uuidKey, VARIANT_PRODUCT_EXTERNAL_ID } from '../db/key-lookup.js';
import { checkRowCount, checkStockRowCount, type Principal } from '../catalog/product-rows.js';
import { productFieldSchemas, Uuid } from '../catalog/product-schema.js';
import { emitEvents } from '../webhooks/outbox.js';
import { loadStoreWarehouses, placeStock, stockRowCount } from './warehouse-rules.js';
import { stockEntries, type StockRow } from './stock-payload.js';
import { storeStockRows } from './stock-batches.js';

/** One stock update (seed 002): exactly one of sku, id, externalId; global stock or warehouses. */
export const InventoryItem = Type.Object({
  sku: Type.Optional(productFieldSchemas.sku),
  id: Type.Optional(Uuid),
  externalId: Type.Optional(productFieldSchemas.externalId),
  stock: Type.Optional(productFieldSchemas.stock),
  warehouses: Type.Optional(Type.Array(Type.Union([
    Type.String({ minLength: 1, maxLength: 255, description: 'a clientId: takes the item stock' }),
    Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 255 }), stock: Type.Optional(productFieldSchemas.stock) }, { additionalProperties: false }),
  ]), { maxItems: 100, description: 'at least one item (else WHS_007, as in product-schema.ts)' })),
}, { additionalProperties: false });
export type InventoryItem = Static<typeof InventoryItem>;

const checkItem = rowValidator(InventoryItem, 'items');

interface Target { target: 'product' | 'variant'; product_id: string; variant_id: string | null; external_id: string | null; sku: string | null; has_variants: boolean }

/** Resolves every item's sku / id / externalId to a product or a variant with one query. */
async function resolveTargets(tx: Transaction, storeId: string, items: InventoryItem[]) {
  const skus = items.flatMap((i) => (i.sku ? [i.sku] : []));
  const ids = items.flatMap((i) => (i.id ? [i.id] : []));
  // "" is a key too (`i.externalId ?` dropped it: INV_003 for a product holding it).
  const exts = items.flatMap((i) => (i.externalId !== undefined ? [i.externalId] : []));
  const product = (by: string, key: string) => `'${by}' as by, x.${key}::text as key, 'product' as target, x.id as product_id, null::uuid as variant_id, x.external_id, x.sku, x.has_variants`;
  // A variant's row names its product (seed 002: two variants' rows carry the same id and
  // externalId, those of one product with variants in seed 003), and the variant by its sku.
  const variant = (by: string, key: string) => `'${by}', x.${key}::text, 'variant', x.product_id, x.id, ${VARIANT_PRODUCT_EXTERNAL_ID}, x.sku, false`;
  const rows = await tx<(Target & { by: string; key: string })[]>`
    ${lookupByKey(tx, { table: 'products', key: 'sku', storeId, values: skus, columns: product('sku', 'sku') })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'sku', storeId, values: skus, columns: variant('sku', 'sku') })}
    union all ${lookupByKey(tx, { table: 'products', key: 'id', storeId, values: ids, columns: product('id', 'id') })}
    union all ${lookupByKey(tx, { table: 'products', key: 'external_id', storeId, values: exts, columns: product('externalId', 'external_id') })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'external_id', storeId, values: exts, columns: variant('externalId', 'external_id') })}`;
  return new Map(rows.map((r) => [`${r.by}:${r.key}`, r]));
}

/** The variants an INV_005 row's context lists, at most, each product's first by SKU (variantCount counts all). */
const NAMED_VARIANTS = 20;

/**
 * INV_005's context names the variants to address instead (sku, externalId, whether active), so
 * that a partner need not read the product first (QA). One query, for the refused rows alone.
 */
async function nameTheVariants(tx: Transaction, storeId: string, refused: Map<RowError, string>) {
  const rows = await tx<{ product_id: string; variants: { sku: string; externalId: string | null; active: boolean }[]; n: number }[]>`
    select product_id, count(*)::int as n,
      (jsonb_agg(jsonb_build_object('sku', sku, 'externalId', external_id, 'active', is_active) order by sku)
        filter (where rank <= ${NAMED_VARIANTS})) as variants
    from (select product_id, sku, external_id, is_active, row_number() over (partition by product_id order by sku) as rank
          from product_variants where store_id = ${storeId} and product_id = any(${[...new Set(refused.values())]}::uuid[])) v
    group by product_id`;
  const byProduct = new Map(rows.map((r) => [r.product_id, r]));
  for (const [error, productId] of refused) {
    const found = byProduct.get(productId);
    Object.assign((error.details as { context: Record<string, unknown> }).context, { variantCount: found?.n ?? 0, variants: found?.variants ?? [] });
  }
}

const IDENTIFIERS = ['sku', 'id', 'externalId'] as const;
type Identifier = (typeof IDENTIFIERS)[number];

/**
 * The identifiers a refused row sent, for its error: the row failed its checks, so any of them
 * may be of another type; numbers are named as strings, as the error's fields are.
 */
function sentIdentifiers(item: unknown) {
  const sent: Partial<Record<Identifier, string>> = {};
  if (item === null || typeof item !== 'object') return sent;
  for (const k of IDENTIFIERS) {
    const value = (item as Record<string, unknown>)[k];
    if (typeof value === 'string' || typeof value === 'number') sent[k] = String(value);
  }
  return sent;
}

/** The one identifier an item names, or undefined when it names none or several (INV_004). */
function onlyIdentifier(it: InventoryItem): Identifier | undefined {
  const n = (it.sku !== undefined ? 1 : 0) + (it.id !== undefined ? 1 : 0) + (it.externalId !== undefined ? 1 : 0);
  if (n !== 1) return undefined;
  return it.sku !== undefined ? 'sku' : it.id !== undefined ? 'id' : 'externalId';
}

const NOT_FOUND: Record<string, [ErrorCode, string]> = {
  sku: ['INV_001', 'Product SKU not found'], id: ['INV_002', 'Product ID not found'], externalId: ['INV_003', 'External ID not found'],
};

/** Accepts a PATCH inventory request: every row checked at once, valid rows become an ordered stock batch. */
export async function acceptStockRows(tx: Transaction, who: Principal, origin: RequestOrigin, items: unknown[]) {
  checkRowCount(items.length);
  const errors: RowError[] = [];
  const valid: { rowIndex: number; item: InventoryItem; by: Identifier }[] = [];
  const schemaErrors: Record<number, unknown> = {};
  // A request is up to 1,000 rows: a valid row allocates nothing it does not keep (no closures,
  // no lists of the identifiers given), the refused ones pay for their answer.
  const refuse = (rowIndex: number, item: unknown, code: ErrorCode, details: Record<string, unknown>) =>
    errors.push(rowError(code, { rowIndex, ...sentIdentifiers(item) }, details) as RowError);
  const schemaError = (rowIndex: number, item: unknown, tree: Record<string, unknown>) => {
    schemaErrors[rowIndex] = tree;
    refuse(rowIndex, item, 'VAL_001', { context: { validationErrors: tree } });
  };
  for (let rowIndex = 0; rowIndex < items.length; rowIndex++) {
    const item = items[rowIndex];
    const tree = checkItem(item, rowIndex);
    if (tree) { schemaError(rowIndex, item, tree); continue; }
    const it = item as InventoryItem;
    const by = onlyIdentifier(it);
    if (by === undefined) { refuse(rowIndex, item, 'INV_004', { context: { given: IDENTIFIERS.filter((k) => it[k] !== undefined) } }); continue; }
    if (it.stock === undefined && it.warehouses === undefined) { schemaError(rowIndex, item, { stock: 'stock or warehouses must be provided' }); continue; }
    valid.push({ rowIndex, item: it, by });
  }
  // Every row refused by its schema: the whole body is VAL_001, as the catalog endpoints answer
  // it (README; seed 002 publishes no such case). A row with its own code (INV_004) is answered as a row.
  if (items.length > 0 && Object.keys(schemaErrors).length === items.length) throw new AppError('VAL_001', { validationErrors: { items: schemaErrors } });

  const [, warehouses, targets] = await Promise.all([
    planEachExecution(tx), loadStoreWarehouses(tx, who.storeId), resolveTargets(tx, who.storeId, valid.map((v) => v.item))]);
  checkStockRowCount(stockRowCount(valid.map((v) => v.item), warehouses));
  const batchId = newBatchId('inventory');
  const accepted: { rowIndex: number; row: StockRow }[] = [];
  const acceptedRows: Record<string, unknown>[] = [];
  let withVariants: Map<RowError, string> | undefined;
  for (const { rowIndex, item, by } of valid) {
    const key = item[by]!;
    const t = targets.get(`${by}:${by === 'id' ? uuidKey(key) : key}`);
    if (!t) {
      const [code, reason] = NOT_FOUND[by];
      errors.push(rowError(code, { rowIndex, [by]: key }, { context: { reason } }) as RowError);
      continue;
    }
    if (t.target === 'product' && t.has_variants) {
      const refused = rowError('INV_005', { rowIndex, [by]: key }, { context: { id: t.product_id } }) as RowError;
      errors.push(refused);
      (withVariants ??= new Map()).set(refused, t.product_id);
      continue;
    }
    const decision = placeStock(item, warehouses, t.target);
    if (!decision.ok) {
      errors.push(rowError(decision.error.code, { rowIndex, [by]: key }, { context: { field: decision.error.field, ...decision.error.context } }) as RowError);
      continue;
    }
    const row: Record<string, unknown> = { rowIndex, target: t.target, id: t.product_id, externalId: t.external_id ?? undefined };
    if (by === 'sku' || t.target === 'variant') row.sku = t.sku;
    accepted.push({ rowIndex, row: { target: t.target, productId: t.product_id, variantId: t.variant_id, placement: decision.placement, namedBy: by } });
    acceptedRows.push(row);
  }
  if (withVariants) await nameTheVariants(tx, who.storeId, withVariants);
  errors.sort((a, b) => a.rowIndex - b.rowIndex);
  // Rows and events first, batch last: acceptBatch takes the store's ordering lock, held until commit.
  if (accepted.length > 0) await storeStockRows(tx, who.storeId, batchId, stockEntries(accepted));
  await emitEvents(tx, {
    partnerId: who.partnerId, types: ['stock.update.requested'],
    build: () => acceptedRows.map((row, i) => ({
      partnerId: who.partnerId, storeId: who.storeId, type: 'stock.update.requested', payload: { batchId, requestId: origin.requestId, ...row, ...(accepted[i].row.variantId ? { variantId: accepted[i].row.variantId } : {}), placement: accepted[i].row.placement },
    })),
  });
  await acceptBatch(tx, {
    storeId: who.storeId, partnerId: who.partnerId, kind: 'inventory', ...origin, total: items.length, rejected: errors, batchId,
    accepted: accepted.map(({ rowIndex }) => ({ rowIndex, payload: null })), rowsStored: true,
  });
  return { summary: { total: items.length, failed: errors.length, pending: accepted.length }, acceptedRows, errors, batchId };
}
