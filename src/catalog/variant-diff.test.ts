import { describe, expect, it } from 'vitest';
import { variantSetDiff, type VariantLook } from './variant-diff.js';

/** A set of these looks in the order given (by SKU). */
const inOrder = (looks: Record<string, VariantLook>, order = Object.keys(looks)) => ({ looks, order });

const look = (extra: Partial<VariantLook> = {}): VariantLook => ({
  externalId: null, options: { Size: 'S' }, price: 100, specialPrice: null, barcode: null, photos: [], isActive: true, stock: 1, ...extra,
});

describe("a with-variants row's audit of its variants", () => {
  it('names the variants created, deactivated and reactivated, and each changed field of the others, before and after', () => {
    const before = { S: look(), M: look({ options: { Size: 'M' } }), L: look({ options: { Size: 'L' }, isActive: false }), XL: look({ options: { Size: 'XL' } }) };
    const after = { ...before, S: look({ price: 999, stock: 4 }), M: before.M, L: look({ options: { Size: 'L' } }), XL: look({ options: { Size: 'XL' }, isActive: false }), XS: look({ options: { Size: 'XS' } }) };
    expect(variantSetDiff(inOrder(before), inOrder(after))).toEqual({
      created: ['XS'], deactivated: ['XL'], reactivated: ['L'],
      updated: { S: { price: { before: 100, after: 999 }, stock: { before: 1, after: 4 } } },
    });
  });

  it('is nothing for a set sent again as it was', () => {
    expect(variantSetDiff(inOrder({ S: look() }), inOrder({ S: look() }))).toBeUndefined();
  });

  it('tells a new order of the variants on sale in both, and not one that only adds or deactivates a variant', () => {
    const set = { S: look(), M: look({ options: { Size: 'M' } }), L: look({ options: { Size: 'L' } }) };
    // A reorder was audited as nothing (changes: {}) though it moved the version (QA).
    expect(variantSetDiff(inOrder(set, ['S', 'M', 'L']), inOrder(set, ['L', 'S', 'M']))).toEqual({ reordered: { before: ['S', 'M', 'L'], after: ['L', 'S', 'M'] } });
    const added = { ...set, XS: look({ options: { Size: 'XS' } }) };
    expect(variantSetDiff(inOrder(set, ['S', 'M', 'L']), inOrder(added, ['XS', 'S', 'M', 'L']))).toEqual({ created: ['XS'] });
    const gone = { ...set, M: look({ options: { Size: 'M' }, isActive: false }) };
    expect(variantSetDiff(inOrder(set, ['S', 'M', 'L']), inOrder(gone, ['S', 'L', 'M']))).toEqual({ deactivated: ['M'] });
    expect(variantSetDiff(inOrder(set, ['S', 'M', 'L']), inOrder(gone, ['L', 'S', 'M']))).toEqual({ deactivated: ['M'], reordered: { before: ['S', 'L'], after: ['L', 'S'] } });
  });
});
