import { describe, expect, it } from 'vitest';
import { mergeRechecks } from './duplicate-sku-recheck.js';

describe('mergeRechecks', () => {
  it("merges a transaction's parts by store, each SKU and product once", () => {
    expect(mergeRechecks([
      { storeId: 's1', skus: ['a', 'b'], productIds: ['p1'] },
      { storeId: 's2', skus: ['c'], productIds: [] },
      { storeId: 's1', skus: ['b', 'd'], productIds: ['p1', 'p2'] },
    ])).toEqual([
      { storeId: 's1', skus: ['a', 'b', 'd'], productIds: ['p1', 'p2'] },
      { storeId: 's2', skus: ['c'], productIds: [] },
    ]);
  });
});
