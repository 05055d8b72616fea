import type { StockPlacement } from './warehouse-rules.js';

/** One accepted stock update, as it is applied. */
export interface StockRow {
  target: 'product' | 'variant';
  productId: string;
  variantId: string | null;
  placement: StockPlacement;
  /**
   * The identifier the request named the row by: a row whose target is deleted before it is
   * applied fails with that identifier's code (INV_001 sku, INV_002 id, INV_003 externalId),
   * as at acceptance. Unknown for rows accepted before migration 0084.
   */
  namedBy?: 'sku' | 'id' | 'externalId';
}

/**
 * A stock batch's accepted rows as PostgreSQL stores and applies them (batch_stock_rows,
 * apply_stock_chunk: migration 0082): parallel arrays, one element per write. A row that
 * sets three warehouses has three; warehouseId null is product-level stock, stock null
 * nothing to write.
 */
export interface StockEntries {
  rowIndex: number[];
  productId: string[];
  variantId: (string | null)[];
  warehouseId: (string | null)[];
  stock: (number | null)[];
  /** The rows named by sku, and by externalId (the others by id); null when not known (namedBy). */
  skuRows: number[] | null;
  externalIdRows: number[] | null;
}

export function stockEntries(rows: { rowIndex: number; row: StockRow }[]): StockEntries {
  const known = rows.every(({ row }) => row.namedBy !== undefined);
  const namedBy = (by: StockRow['namedBy']) => (known ? rows.flatMap(({ rowIndex, row }) => (row.namedBy === by ? [rowIndex] : [])) : null);
  const e: StockEntries = { rowIndex: [], productId: [], variantId: [], warehouseId: [], stock: [], skuRows: namedBy('sku'), externalIdRows: namedBy('externalId') };
  const push = (rowIndex: number, row: StockRow, warehouseId: string | null, stock: number | null) => {
    e.rowIndex.push(rowIndex); e.productId.push(row.productId); e.variantId.push(row.variantId); e.warehouseId.push(warehouseId); e.stock.push(stock);
  };
  for (const { rowIndex, row } of rows) {
    const p = row.placement;
    if (p.kind === 'warehouses') for (const a of p.allocations) push(rowIndex, row, a.warehouseId, a.stock);
    else push(rowIndex, row, null, p.kind === 'product' ? p.stock : null);
  }
  return e;
}

/**
 * How batches accepted before 0082 hold a stock row (in packed_rows): a tuple,
 * [target, productId, variantId, stock], where stock is a number (product-level stock),
 * [[warehouseId, stock], ...] (warehouse rows) or null (nothing to write); before that,
 * the StockRow object itself.
 */
export type StoredStockRow = [target: 'p' | 'v', productId: string, variantId: string | null, stock: number | [string, number][] | null];

export function decodeStockRow(stored: StoredStockRow | StockRow): StockRow {
  if (!Array.isArray(stored)) return stored;
  const [target, productId, variantId, stock] = stored;
  const placement: StockPlacement = typeof stock === 'number' ? { kind: 'product', stock }
    : stock ? { kind: 'warehouses', allocations: stock.map(([warehouseId, n]) => ({ warehouseId, clientId: '', stock: n })) }
      : { kind: 'none' };
  return { target: target === 'v' ? 'variant' : 'product', productId, variantId, placement };
}
