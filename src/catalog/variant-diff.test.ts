import { describe, expect, it } from 'vitest';
import { variantSetDiff, type VariantLook } from './variant-diff.js';

const look = (extra: Partial<VariantLook> = {}): VariantLook => ({
  externalId: null, options: { Size: 'S' }, price: 100, specialPrice: null, barcode: null, photos: [], isActive: true, stock: 1, ...extra,
});

describe("a with-variants row's audit of its variants", () => {
  it('names the variants created, deactivated and reactivated, and each changed field of the others, before and after', () => {
    const before = { S: look(), M: look({ options: { Size: 'M' } }), L: look({ options: { Size: 'L' }, isActive: false }), XL: look({ options: { Size: 'XL' } }) };
    const after = { ...before, S: look({ price: 999, stock: 4 }), M: before.M, L: look({ options: { Size: 'L' } }), XL: look({ options: { Size: 'XL' }, isActive: false }), XS: look({ options: { Size: 'XS' } }) };
    expect(variantSetDiff(before, after)).toEqual({
      created: ['XS'], deactivated: ['XL'], reactivated: ['L'],
      updated: { S: { price: { before: 100, after: 999 }, stock: { before: 1, after: 4 } } },
    });
  });

  it('is nothing for a set sent again as it was', () => {
    expect(variantSetDiff({ S: look() }, { S: look() })).toBeUndefined();
  });
});
