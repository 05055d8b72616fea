import { describe, expect, it } from 'vitest';
import { bodyAjv } from '../http/validation/ajv.js';
import { ProductPatchInput, SimpleProductInput } from './product-schema.js';
import { readFileSync, readdirSync } from 'node:fs';

const seed = (prefix: string) => {
  const dir = new URL('../../../shared/seeds/', import.meta.url);
  const file = readdirSync(dir).find((f) => f.startsWith(prefix));
  const text = readFileSync(new URL(file!, dir), 'utf8');
  const start = text.indexOf('# Example Body Payload');
  const open = text.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return JSON.parse(text.slice(open, i + 1));
  }
};

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
