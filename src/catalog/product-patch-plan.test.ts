import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QUALITY_RULE_COLUMNS } from './after-products-changed.js';
import { planPatch, toCents, type ProductRow } from './product-patch-plan.js';
import { PRODUCT_COLUMNS } from './product-schema.js';

const row = (extra: Record<string, unknown> = {}): ProductRow => ({
  id: 'p1', external_id: 'ext-1', sku: 'SKU-1', name: 'Shirt', description: 'Soft', price: 100, special_price: null,
  weight: 250, length: 12, width: 12, height: 10, min_order: 1, category_id: '79bd35cd-fab7-4f3c-8d1a-4d5a7886ffbc',
  hashtags: ['a'], photos: [], stock: 6, version: 3, has_variants: false, ...extra,
});

describe('planPatch', () => {
  it('lists only the sent fields whose stored value changes, normalised like their columns', () => {
    const plan = planPatch(row(), {
      name: 'Shirt', price: 100.004, weight: 250.4, minOrder: 5, categoryId: '79BD35CD-FAB7-4F3C-8D1A-4D5A7886FFBC',
      dimensions: { length: 12, width: 12, height: 10 }, hashtags: ['a', 'b'],
    }, { kind: 'none' }, new Map());
    expect(plan.updatedFields).toEqual(['minOrder', 'hashtags']);
    expect(plan.set).toEqual({ min_order: 5, hashtags: ['a', 'b'] });
    expect(plan.changes.minOrder).toEqual({ before: 1, after: 5 });
    expect(plan.evaluateQuality).toBe(false);
  });

  it('asks for the quality rules only when a column they read changes', () => {
    expect(planPatch(row(), { description: 'Softer' }, { kind: 'none' }, new Map()).evaluateQuality).toBe(true);
    expect(planPatch(row(), { name: 'Renamed' }, { kind: 'none' }, new Map()).evaluateQuality).toBe(false);
  });

  it('writes only the warehouse rows that change and carries the new total', () => {
    const current = new Map([['w1', 2], ['w2', 2], ['w3', 2]]);
    const all = (stock: number) => ({ kind: 'warehouses' as const, allocations: ['w1', 'w2', 'w3'].map((w) => ({ warehouseId: w, clientId: `c-${w}`, stock })) });
    const plan = planPatch(row(), { stock: 2 }, all(2), current);
    expect(plan.updatedFields).toEqual([]);
    const listed = planPatch(row(), { warehouses: [{ clientId: 'c-w2', stock: 9 }] },
      { kind: 'warehouses', allocations: [{ warehouseId: 'w2', clientId: 'c-w2', stock: 9 }] }, current);
    expect(listed.warehouseRows).toEqual([{ warehouse_id: 'w2', stock: 9 }]);
    expect(listed.stock).toBe(13);
    expect(listed.updatedFields).toEqual(['warehouses']);
    expect(listed.changes.warehouses).toEqual({ before: [{ clientId: 'c-w2', stock: 2 }], after: [{ clientId: 'c-w2', stock: 9 }] });
  });

  it('sets product-level stock on a store without warehouses', () => {
    const plan = planPatch(row(), { stock: 9 }, { kind: 'product', stock: 9 }, new Map());
    expect(plan).toMatchObject({ stock: 9, warehouseRows: null, updatedFields: ['stock'] });
    expect(planPatch(row(), { stock: 6 }, { kind: 'product', stock: 6 }, new Map()).updatedFields).toEqual([]);
  });

  it('rounds to cents the way numeric(…, 2) does', () => {
    expect([toCents(1.005), toCents(2.675), toCents(10), toCents(0.125), toCents(-1.005)]).toEqual([1.01, 2.68, 10, 0.13, -1.01]);
    // Numbers JavaScript prints with an exponent: they were NaN, stored as a null price.
    expect([toCents(1e-7), toCents(5e-324), toCents(0.004999), toCents(0.005), toCents(1.5e-3), toCents(9999999999999.99), toCents(1e21)])
      .toEqual([0, 0, 0, 0.01, 0, 9999999999999.99, 1e21]);
  });
});

describe('QUALITY_RULE_COLUMNS', () => {
  it('names every products column the data-quality rules read', () => {
    // The bodies of the rule functions, as last defined by the migrations.
    const dir = new URL('../../migrations/', import.meta.url);
    const body = (fn: string) => {
      const defining = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
        .map((f) => readFileSync(new URL(f, dir), 'utf8')).filter((sql) => new RegExp(`function ${fn}\\(`).test(sql));
      const sql = defining[defining.length - 1];
      const from = sql.search(new RegExp(`function ${fn}\\(`));
      return sql.slice(from, sql.indexOf('$$;', sql.indexOf('$$', from) + 2));
    };
    const rules = [body('product_quality_score'), body('evaluate_quality')].join('\n');
    const productColumns = new Set([...Object.values(PRODUCT_COLUMNS), 'length', 'width', 'height', 'is_verified', 'has_variants', 'version', 'created_at', 'updated_at']);
    const read = new Set([...rules.matchAll(/\b[px]\.([a-z_]+)/g)].map((m) => m[1]).filter((c) => productColumns.has(c)));
    expect([...read].filter((c) => !QUALITY_RULE_COLUMNS.has(c))).toEqual([]);
    expect(read.size).toBeGreaterThan(5);
  });
});
