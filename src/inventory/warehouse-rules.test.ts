import { describe, expect, it } from 'vitest';
import { placeStock, type StoreWarehouses } from './warehouse-rules.js';

const store = (n: number): StoreWarehouses => ({ byClientId: new Map(Array.from({ length: n }, (_, i) => [`wh${i + 1}`, `id${i + 1}`])) });
const code = (d: ReturnType<typeof placeStock>) => (d.ok ? 'ok' : d.error.code);

describe('stock placement by warehouse count (seeds 000, 003)', () => {
  it('0 warehouses: product stock only', () => {
    expect(placeStock({ stock: 5 }, store(0), 'product')).toEqual({ ok: true, placement: { kind: 'product', stock: 5 } });
    expect(code(placeStock({ warehouses: [{ clientId: 'wh1', stock: 1 }] }, store(0), 'product'))).toBe('WHS_002');
    expect(code(placeStock({ stock: 5 }, store(0), 'variant'))).toBe('WHS_005');
  });
  it('1 warehouse: stock and warehouses both land on the single warehouse', () => {
    const viaStock = placeStock({ stock: 7 }, store(1), 'product');
    const viaList = placeStock({ warehouses: [{ clientId: 'wh1', stock: 7 }] }, store(1), 'variant');
    expect(viaStock).toEqual({ ok: true, placement: { kind: 'warehouses', allocations: [{ warehouseId: 'id1', clientId: 'wh1', stock: 7 }] } });
    expect(viaList).toEqual(viaStock);
  });
  it('>1 warehouses: stock goes to every warehouse, warehouses only to the listed ones', () => {
    const all = placeStock({ stock: 3 }, store(3), 'product');
    expect(all.ok && all.placement.kind === 'warehouses' && all.placement.allocations.map((a) => [a.clientId, a.stock])).toEqual([['wh1', 3], ['wh2', 3], ['wh3', 3]]);
    const some = placeStock({ warehouses: [{ clientId: 'wh2', stock: 9 }] }, store(3), 'product');
    expect(some.ok && some.placement.kind === 'warehouses' && some.placement.allocations).toEqual([{ warehouseId: 'id2', clientId: 'wh2', stock: 9 }]);
  });
  it('plain clientIds take the item stock (inventory form, seed 002)', () => {
    const d = placeStock({ stock: 55, warehouses: ['wh1', 'wh3'] }, store(3), 'product');
    expect(d.ok && d.placement.kind === 'warehouses' && d.placement.allocations.map((a) => [a.clientId, a.stock])).toEqual([['wh1', 55], ['wh3', 55]]);
    expect(code(placeStock({ warehouses: ['wh1'] }, store(3), 'product'))).toBe('WHS_006');
  });
  it('refuses both levels, unknown, duplicate and empty warehouses', () => {
    expect(code(placeStock({ stock: 1, warehouses: [{ clientId: 'wh1', stock: 1 }] }, store(2), 'product'))).toBe('WHS_001');
    const unknown = placeStock({ warehouses: [{ clientId: 'nope', stock: 1 }, { clientId: 'wh1', stock: 1 }] }, store(2), 'product');
    expect(unknown).toEqual({ ok: false, error: { code: 'WHS_003', field: 'warehouses', context: { clientIds: ['nope'] } } });
    expect(code(placeStock({ warehouses: [{ clientId: 'wh1', stock: 1 }, { clientId: 'wh1', stock: 2 }] }, store(2), 'product'))).toBe('WHS_004');
    expect(code(placeStock({ warehouses: [] }, store(2), 'product'))).toBe('WHS_007');
  });
  it('nothing given: nothing placed', () => {
    expect(placeStock({}, store(2), 'product')).toEqual({ ok: true, placement: { kind: 'none' } });
  });

  it('refuses stock whose warehouse rows sum beyond an integer (VAL_001, as a PATCH): the stock it makes is their sum', () => {
    const max = 2_147_483_647;
    expect(placeStock({ stock: max }, store(2), 'product')).toEqual({ ok: false, error: { code: 'VAL_001', field: 'stock', context: { reason: `the product's stock over its warehouses would exceed ${max}` } } });
    expect(placeStock({ warehouses: [{ clientId: 'wh1', stock: max }, { clientId: 'wh2', stock: 1 }] }, store(2), 'variant'))
      .toEqual({ ok: false, error: { code: 'VAL_001', field: 'warehouses', context: { reason: `the variant's stock over its warehouses would exceed ${max}` } } });
    expect(code(placeStock({ stock: max }, store(1), 'product'))).toBe('ok');
    expect(code(placeStock({ warehouses: [{ clientId: 'wh1', stock: max - 1 }, { clientId: 'wh2', stock: 1 }] }, store(2), 'product'))).toBe('ok');
  });
});
