import { describe, expect, it } from 'vitest';
import { inPasses } from './bulk-job-passes.js';
import type { CheckedItem } from './bulk-job-items.js';

const update = (rowIndex: number, id: string, input: Record<string, unknown>): CheckedItem =>
  ({ rowIndex, id, write: { rowIndex, mode: 'update', id, input, placement: { kind: 'none' } } });
const create = (rowIndex: number, input: Record<string, unknown>): CheckedItem =>
  ({ rowIndex, write: { rowIndex, mode: 'create', input, placement: { kind: 'none' } } });
const indexes = (passes: CheckedItem[][]) => passes.map((p) => p.map((i) => i.rowIndex));

describe('the passes of a PIM bulk job chunk', () => {
  const held = () => new Map([['C', { sku: 'BK-12', externalId: 'c' }], ['D', { sku: 'BK-11', externalId: 'd' }]]);

  it('puts an item taking a key an earlier item frees in a later pass', () => {
    expect(indexes(inPasses([update(0, 'C', { sku: 'BK-12-new' }), update(1, 'D', { sku: 'BK-12' })], held()))).toEqual([[0], [1]]);
    expect(indexes(inPasses([update(0, 'C', { externalId: 'c2' }), update(1, 'D', { externalId: 'c' })], held()))).toEqual([[0], [1]]);
    // A chain: D takes BK-12 once C has left it, E BK-11 once D has.
    expect(indexes(inPasses([update(0, 'C', { sku: 'X' }), update(1, 'D', { sku: 'BK-12' }), update(2, 'E', { sku: 'BK-11' })], held())))
      .toEqual([[0], [1], [2]]);
  });

  it('counts an externalId of "" as a key a product frees, as any other', () => {
    const holdsEmpty = new Map([['A', { sku: 'A-1', externalId: '' }], ['B', { sku: 'B-1', externalId: 'b' }]]);
    expect(indexes(inPasses([update(0, 'A', { externalId: 'a-new' }), update(1, 'B', { externalId: '' })], holdsEmpty))).toEqual([[0], [1]]);
  });

  it('puts an item freeing a key an earlier item takes in a later pass, so that the earlier one fails as in item order', () => {
    expect(indexes(inPasses([update(0, 'D', { sku: 'BK-12' }), update(1, 'C', { sku: 'BK-12-new' })], held()))).toEqual([[0], [1]]);
  });

  it('leaves in one pass items sharing no product and no key, items taking one key, and imports', () => {
    expect(indexes(inPasses([update(0, 'C', { sku: 'N1' }), update(1, 'D', { sku: 'N2', name: 'x' })], held()))).toEqual([[0, 1]]);
    expect(indexes(inPasses([update(0, 'C', { sku: 'N1' }), update(1, 'D', { sku: 'N1' })], held()))).toEqual([[0, 1]]);
    expect(indexes(inPasses([create(0, { sku: 'BK-12' }), create(1, { sku: 'BK-12' }), create(2, { name: 'x' })], new Map()))).toEqual([[0, 1, 2]]);
    // Setting the key a product holds changes nothing.
    expect(indexes(inPasses([update(0, 'C', { sku: 'BK-12' }), update(1, 'D', { sku: 'BK-12' })], held()))).toEqual([[0, 1]]);
  });

  it('keeps a product\'s items in their order, its keys as its earlier items set them', () => {
    // C leaves BK-12, D takes it, C wants it back: C's second item after D's, both in the pass after C's first.
    const passes = inPasses([update(0, 'C', { sku: 'X' }), update(1, 'D', { sku: 'BK-12' }), update(2, 'C', { sku: 'BK-12' })], held());
    expect(indexes(passes)).toEqual([[0], [1, 2]]);
    expect(indexes(inPasses([update(0, 'C', { name: 'a' }), update(1, 'C', { name: 'b' }), update(2, 'D', { name: 'c' })], held()))).toEqual([[0, 2], [1]]);
  });
});
