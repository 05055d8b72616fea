import { describe, expect, it } from 'vitest';
import { decodeStockRow, stockEntries, type StockRow } from './stock-payload.js';

const P = '5f0c8a4e-1111-4a8e-9c4e-000000000001';
const V = '5f0c8a4e-2222-4a8e-9c4e-000000000002';
const W1 = '5f0c8a4e-3333-4a8e-9c4e-000000000003';
const W2 = '5f0c8a4e-4444-4a8e-9c4e-000000000004';

describe('stock rows as PostgreSQL applies them', () => {
  it('are one entry per write: a warehouse each, product-level stock, or nothing', () => {
    const rows: { rowIndex: number; row: StockRow }[] = [
      { rowIndex: 0, row: { target: 'product', productId: P, variantId: null, placement: { kind: 'product', stock: 0 } } },
      { rowIndex: 2, row: { target: 'variant', productId: P, variantId: V, placement: { kind: 'warehouses', allocations: [{ warehouseId: W1, clientId: 'a', stock: 4 }, { warehouseId: W2, clientId: 'b', stock: 9 }] } } },
      { rowIndex: 5, row: { target: 'product', productId: P, variantId: null, placement: { kind: 'none' } } },
    ];
    expect(stockEntries(rows)).toEqual({
      rowIndex: [0, 2, 2, 5], productId: [P, P, P, P], variantId: [null, V, V, null], warehouseId: [null, W1, W2, null], stock: [0, 4, 9, null],
      skuRows: null, externalIdRows: null,
    });
  });

  it('name once each row sent by sku and by externalId (the rest by id)', () => {
    const row = (namedBy: StockRow['namedBy']): StockRow => ({ target: 'product', productId: P, variantId: null, placement: { kind: 'warehouses', allocations: [{ warehouseId: W1, clientId: 'a', stock: 1 }, { warehouseId: W2, clientId: 'b', stock: 2 }] }, namedBy });
    const e = stockEntries([{ rowIndex: 1, row: row('sku') }, { rowIndex: 3, row: row('id') }, { rowIndex: 4, row: row('externalId') }, { rowIndex: 6, row: row('sku') }]);
    expect([e.rowIndex, e.skuRows, e.externalIdRows]).toEqual([[1, 1, 3, 3, 4, 4, 6, 6], [1, 6], [4]]);
  });
});

describe('stock rows of batches accepted before 0082', () => {
  it('read the tuple form', () => {
    expect(decodeStockRow(['v', P, V, [[W1, 4], [W2, 9]]])).toEqual({
      target: 'variant', productId: P, variantId: V,
      placement: { kind: 'warehouses', allocations: [{ warehouseId: W1, clientId: '', stock: 4 }, { warehouseId: W2, clientId: '', stock: 9 }] },
    });
    expect(decodeStockRow(['p', P, null, 3])).toEqual({ target: 'product', productId: P, variantId: null, placement: { kind: 'product', stock: 3 } });
    expect(decodeStockRow(['p', P, null, null])).toEqual({ target: 'product', productId: P, variantId: null, placement: { kind: 'none' } });
  });

  it('read the object form of batches accepted before that', () => {
    const old: StockRow = { target: 'variant', productId: P, variantId: V, placement: { kind: 'product', stock: 3 } };
    expect(decodeStockRow(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });
});
