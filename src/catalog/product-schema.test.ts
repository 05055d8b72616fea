import { describe, expect, it } from 'vitest';
import { bodyAjv } from '../http/validation/ajv.js';
import { ProductPatchInput, SimpleProductInput } from './product-schema.js';
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
});
