import type { ErrorCode } from '../errors/catalogue.js';
import type { Queryable } from '../db/database.js';
import { MAX_INTEGER } from '../catalog/product-schema.js';

/**
 * Where the stock of one product or variant row goes, by the store's warehouse
 * count (seeds 000 and 003):
 *   0 warehouses  -> product-level stock only; warehouses and variant stock refused.
 *   1 warehouse   -> stock or warehouses, both land on the single warehouse row.
 *   >1 warehouses -> stock is written to every warehouse; warehouses only to the listed ones.
 * Stock at one level per item: stock or warehouses. A warehouse list is either
 * {clientId, stock} items, or (inventory endpoint, seed 002) plain clientIds
 * that take the item's stock.
 */
export interface StoreWarehouses {
  /** clientId -> warehouse id */
  byClientId: Map<string, string>;
}

export type WarehouseRef = string | { clientId: string; stock?: number };

export interface StockInput {
  stock?: number;
  warehouses?: WarehouseRef[];
}

export type StockPlacement =
  | { kind: 'none' }
  | { kind: 'product'; stock: number }
  | { kind: 'warehouses'; allocations: { warehouseId: string; clientId: string; stock: number }[] };

export interface StockRuleError {
  code: ErrorCode;
  field: 'stock' | 'warehouses';
  context: Record<string, unknown>;
}

export type StockDecision = { ok: true; placement: StockPlacement } | { ok: false; error: StockRuleError };

const fail = (code: ErrorCode, field: StockRuleError['field'], context: Record<string, unknown> = {}): StockDecision =>
  ({ ok: false, error: { code, field, context } });

export function placeStock(input: StockInput, store: StoreWarehouses, level: 'product' | 'variant'): StockDecision {
  const { stock, warehouses } = input;
  const count = store.byClientId.size;
  if (stock === undefined && warehouses === undefined) return { ok: true, placement: { kind: 'none' } };
  if (count === 0) {
    if (level === 'variant') return fail('WHS_005', warehouses !== undefined ? 'warehouses' : 'stock');
    if (warehouses !== undefined) return fail('WHS_002', 'warehouses');
    return { ok: true, placement: { kind: 'product', stock: stock! } };
  }
  if (warehouses === undefined) return placedUnlessTooLarge(everyWarehouse(store, stock!), 'stock', level);
  if (warehouses.length === 0) return fail('WHS_007', 'warehouses');
  const plainIds = warehouses.every((w) => typeof w === 'string');
  if (!plainIds && stock !== undefined) return fail('WHS_001', 'stock');
  const allocations: { warehouseId: string; clientId: string; stock: number }[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const w of warehouses) {
    const clientId = typeof w === 'string' ? w : w.clientId;
    const itemStock = typeof w === 'string' ? stock : w.stock ?? (plainIds ? stock : undefined);
    if (seen.has(clientId)) return fail('WHS_004', 'warehouses', { clientId });
    seen.add(clientId);
    const warehouseId = store.byClientId.get(clientId);
    if (!warehouseId) { unknown.push(clientId); continue; }
    if (itemStock === undefined) return fail('WHS_006', 'warehouses', { clientId });
    allocations.push({ warehouseId, clientId, stock: itemStock });
  }
  if (unknown.length > 0) return fail('WHS_003', 'warehouses', { clientIds: unknown });
  return placedUnlessTooLarge(allocations, 'warehouses', level);
}

/** The warehouse rows these inputs place (placeStock): one a warehouse named, or one in each of the store's when stock names none. */
export function stockRowCount(inputs: Iterable<{ stock?: number; warehouses?: unknown[] }>, store: StoreWarehouses): number {
  let rows = 0;
  for (const i of inputs) rows += i.warehouses?.length ?? (i.stock === undefined ? 0 : store.byClientId.size);
  return rows;
}

/** `stock` in each of the store's warehouses: where stock without a warehouse list goes in a store that has some. */
export function everyWarehouse(store: StoreWarehouses, stock: number) {
  return [...store.byClientId].map(([clientId, warehouseId]) => ({ warehouseId, clientId, stock }));
}

/** VAL_001's reason for stock whose warehouse rows would sum beyond an integer: at accept here, and in a PATCH (patch-refusals.ts). */
export const stockOverIntegerReason = (whose: 'product' | 'variant') => `the ${whose}'s stock over its warehouses would exceed ${MAX_INTEGER}`;

/**
 * VAL_001 for stock that the row's own warehouse rows sum beyond an integer (the product's or
 * variant's stock is their sum, and the rows it does not send only add to it): refused at once, as a
 * PATCH refuses it, with the same reason. It was accepted and failed when processed, with
 * PostgreSQL's "integer out of range" (QA).
 */
function placedUnlessTooLarge(allocations: { warehouseId: string; clientId: string; stock: number }[], field: StockRuleError['field'],
  level: 'product' | 'variant'): StockDecision {
  let sum = 0;
  for (const a of allocations) sum += a.stock;
  if (sum > MAX_INTEGER) return fail('VAL_001', field, { reason: stockOverIntegerReason(level) });
  return { ok: true, placement: { kind: 'warehouses', allocations } };
}

export async function loadStoreWarehouses(sql: Queryable, storeId: string): Promise<StoreWarehouses> {
  const rows = await sql<{ id: string; client_id: string }[]>`select id, client_id from warehouses where store_id = ${storeId}`;
  return { byClientId: new Map(rows.map((r) => [r.client_id, r.id])) };
}

/**
 * The store's warehouses, its row share-locked first: add_warehouse locks it for update, so no
 * warehouse (a first one taking over the products' stock) is added until this transaction ends.
 * Two statements: the second's snapshot, taken once the lock is held, sees one added just before.
 */
export async function lockedStoreWarehouses(tx: Queryable, storeId: string): Promise<StoreWarehouses> {
  await tx`select 1 from stores where id = ${storeId} for share`;
  return loadStoreWarehouses(tx, storeId);
}
