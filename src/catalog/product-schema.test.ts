import { describe, expect, it } from 'vitest';
import { bodyAjv } from '../http/validation/ajv.js';
import { ProductPatchInput, SimpleProductInput, VariantProductInput } from './product-schema.js';
import { toValidationTree } from '../http/validation/validation-errors.js';
import { seedBody } from '../../test/fixtures/seeds.js';

const seed = seedBody;

describe('product payload schemas accept the published examples', () => {
  const simple = bodyAjv.compile(SimpleProductInput);
  it.each(['000', '001'])('seed %s products', (prefix) => {
    for (const p of seed(prefix).products) expect(simple(p), JSON.stringify(simple.errors)).toBe(true);
  });
  it('seed 003 PATCH body', () => {
    const patch = bodyAjv.compile(ProductPatchInput);
    expect(patch(seed('003')), JSON.stringify(patch.errors)).toBe(true);
    expect(patch({ variants: { items: [{ sku: 'A', options: { Colour: 'Red' }, warehouses: [{ clientId: 'w', stock: 1 }] }] } })).toBe(true);
    expect(patch({ colour: 'red' })).toBe(false);
  });

  it("checks a variant's option names as it declares them: 1 to 50 characters", () => {
    const patch = bodyAjv.compile(ProductPatchInput);
    const withOptions = (options: Record<string, string>) => ({ variants: { items: [{ sku: 'A', options }] } });
    expect(patch(withOptions({ ['n'.repeat(50)]: 'Red' }))).toBe(true);
    expect(patch(withOptions({ '': 'Red' }))).toBe(false);
    expect(toValidationTree(patch.errors!)).toEqual({ variants: { items: { 0: { options: 'each key in options must be longer than or equal to 1 characters, each key in options must not be blank' } } } });
    expect(patch(withOptions({ ['n'.repeat(51)]: 'Red', Size: '' }))).toBe(false);
    expect(toValidationTree(patch.errors!)).toEqual({ variants: { items: { 0: { options: {
      _self: 'each key in options must be shorter than or equal to 50 characters', Size: 'Size must be longer than or equal to 1 characters, Size must not be blank',
    } } } } });
    // The with-variants endpoints share the item schema.
    const variantProduct = bodyAjv.compile(VariantProductInput);
    expect(variantProduct({ externalId: 'p', name: 'P', variants: { items: [{ sku: 'A', options: { '': 'Red' } }] } })).toBe(false);
  });
});
