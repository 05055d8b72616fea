import { describe, expect, it } from 'vitest';
import { decodeStockRow, encodeStockRow, type StockRow } from './stock-payload.js';

const P = '5f0c8a4e-1111-4a8e-9c4e-000000000001';
const V = '5f0c8a4e-2222-4a8e-9c4e-000000000002';
const W1 = '5f0c8a4e-3333-4a8e-9c4e-000000000003';
const W2 = '5f0c8a4e-4444-4a8e-9c4e-000000000004';

describe('stored stock rows', () => {
  it('round-trip every placement through the tuple form, as JSON', () => {
    const rows: StockRow[] = [
      { target: 'product', productId: P, variantId: null, placement: { kind: 'product', stock: 0 } },
      { target: 'variant', productId: P, variantId: V, placement: { kind: 'warehouses', allocations: [{ warehouseId: W1, clientId: 'a', stock: 4 }, { warehouseId: W2, clientId: 'b', stock: 9 }] } },
      { target: 'product', productId: P, variantId: null, placement: { kind: 'none' } },
    ];
    const stored = JSON.parse(JSON.stringify(rows.map(encodeStockRow)));
    expect(stored[1]).toEqual(['v', P, V, [[W1, 4], [W2, 9]]]);
    // The clientId is not stored: the worker writes by warehouse id.
    const back = stored.map(decodeStockRow);
    expect(back[0]).toEqual(rows[0]);
    expect(back[1]).toEqual({ ...rows[1], placement: { kind: 'warehouses', allocations: [{ warehouseId: W1, clientId: '', stock: 4 }, { warehouseId: W2, clientId: '', stock: 9 }] } });
    expect(back[2]).toEqual(rows[2]);
  });

  it('reads the object form of batches accepted before', () => {
    const old: StockRow = { target: 'variant', productId: P, variantId: V, placement: { kind: 'product', stock: 3 } };
    expect(decodeStockRow(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });
});
