import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { bodyAjv, paramsAjv } from './ajv.js';
import { MAX_TOLD_FIELDS, NOT_BLANK, toValidationTree, UNTOLD_KEY } from './validation-errors.js';

const Product = Type.Object({
  externalId: Type.String({ maxLength: 255 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  price: Type.Number({ minimum: 0 }),
  minOrder: Type.Optional(Type.Integer({ minimum: 1 })),
  condition: Type.Optional(Type.Union([Type.Literal('NEW'), Type.Literal('USED')])),
  specialPrice: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
  hashtags: Type.Optional(Type.Array(Type.String())),
  photos: Type.Optional(Type.Array(Type.String({ format: 'uri' }))),
  dimensions: Type.Optional(Type.Object({ length: Type.Number() }, { additionalProperties: false })),
}, { additionalProperties: false });
const Body = Type.Object({ products: Type.Array(Product, { minItems: 1 }) }, { additionalProperties: false });
const validate = bodyAjv.compile(Body);

function treeOf(body: unknown) {
  expect(validate(body)).toBe(false);
  return toValidationTree(validate.errors!);
}
const ok = { externalId: 'e1', name: 'Mug', price: 10 };

describe('VAL_001 messages in class-validator wording', () => {
  it('reproduces the seed example: unknown property and a non-string externalId', () => {
    expect(treeOf({ products: [{ ...ok, weight: 250, externalId: 42 }] })).toEqual({
      products: { 0: {
        weight: 'property weight should not exist',
        externalId: 'externalId must be shorter than or equal to 255 characters, externalId must be a string',
      } },
    });
  });
  it('too long string', () => {
    expect(treeOf({ products: [{ ...ok, externalId: 'x'.repeat(256) }] }).products).toEqual({
      0: { externalId: 'externalId must be shorter than or equal to 255 characters' },
    });
  });
  it('wrong type number: its bounds only when it reads as a number that breaks them', () => {
    expect(treeOf({ products: [{ ...ok, price: 'ten' }] }).products).toEqual({
      0: { price: 'price must be a number conforming to the specified constraints' },
    });
    expect(treeOf({ products: [{ ...ok, price: '-1' }] }).products).toEqual({
      0: { price: 'price must not be less than 0, price must be a number conforming to the specified constraints' },
    });
  });
  it('missing required field', () => {
    expect(treeOf({ products: [{ externalId: 'e', price: 1 }] }).products).toEqual({
      0: { name: 'name should not be empty, name must be shorter than or equal to 255 characters, name must be longer than or equal to 1 characters, name must be a string' },
    });
  });
  it('enum, integer minimum, nullable union, array items, nested objects, formats', () => {
    const tree = treeOf({ products: [{ ...ok, condition: 'MINT', minOrder: 0, specialPrice: 'x', hashtags: ['a', 2], photos: ['not a url'], dimensions: { length: 'x', depth: 1 } }] });
    expect(tree.products).toEqual({ 0: {
      condition: 'condition must be one of the following values: NEW, USED',
      minOrder: 'minOrder must not be less than 1',
      specialPrice: 'specialPrice must be a number conforming to the specified constraints',
      hashtags: 'each value in hashtags must be a string',
      photos: 'each value in photos must be a URL address',
      dimensions: { length: 'length must be a number conforming to the specified constraints', depth: 'property depth should not exist' },
    } });
  });
  it('null accepted where the schema is nullable', () => {
    expect(validate({ products: [{ ...ok, specialPrice: null }] })).toBe(true);
  });
  it('root and array-level failures', () => {
    expect(treeOf({ products: [] })).toEqual({ products: 'products must contain at least 1 elements' });
    expect(treeOf({ products: 'x' })).toEqual({ products: 'products must contain at least 1 elements, products must be an array' });
    // The body itself and a nested object: an object (class-validator's "either object or array" read as nonsense for an array).
    for (const body of [[], 123, 'x', null]) expect(treeOf(body)).toEqual({ body: 'body must be a JSON object' });
    for (const dimensions of [[], 'x']) expect(treeOf({ products: [{ ...ok, dimensions }] }).products).toEqual({ 0: { dimensions: 'dimensions must be a JSON object' } });
  });
  it('a number that is not an integer: only the constraints it fails', () => {
    expect(treeOf({ products: [{ ...ok, minOrder: 1.5 }] }).products).toEqual({ 0: { minOrder: 'minOrder must be an integer number' } });
    expect(treeOf({ products: [{ ...ok, minOrder: 0.5 }] }).products).toEqual({ 0: { minOrder: 'minOrder must not be less than 1, minOrder must be an integer number' } });
    // Not a number: no bound, which it cannot break (class-validator lists them all).
    expect(treeOf({ products: [{ ...ok, minOrder: 'one' }] }).products).toEqual({ 0: { minOrder: 'minOrder must be an integer number' } });
  });
  it('a query value that is no integer: the bounds only of the number it reads as (ajv leaves it text)', () => {
    const query = paramsAjv.compile(Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500 }) }));
    const told = (limit: string) => { expect(query({ limit })).toBe(false); return toValidationTree(query.errors!); };
    expect(told('2.5')).toEqual({ limit: 'limit must be an integer number' });
    expect(told('0.5')).toEqual({ limit: 'limit must not be less than 1, limit must be an integer number' });
    expect(told('500.5')).toEqual({ limit: 'limit must not be greater than 500, limit must be an integer number' });
    expect(told('many')).toEqual({ limit: 'limit must be an integer number' });
  });
  it('an object that wants at least one of its optional fields names them', () => {
    const Patch = Type.Object({ url: Type.Optional(Type.String()), eventTypes: Type.Optional(Type.Array(Type.String())) }, { minProperties: 1 });
    const check = bodyAjv.compile(Type.Object({ change: Patch }));
    expect(check({ change: {} })).toBe(false);
    expect(toValidationTree(check.errors!)).toEqual({ change: 'change must contain at least one of: url, eventTypes' });
    const root = bodyAjv.compile(Patch);
    expect(root({})).toBe(false);
    expect(toValidationTree(root.errors!)).toEqual({ body: 'body must contain at least one of: url, eventTypes' });
  });
});

describe('a failed union', () => {
  const Item = Type.Object({
    specialPrice: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()])),
    warehouses: Type.Optional(Type.Array(Type.Union([
      Type.String({ minLength: 1 }),
      Type.Object({ clientId: Type.String({ minLength: 1 }), stock: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    ]))),
  }, { additionalProperties: false });
  const check = bodyAjv.compile(Item);
  const tree = (body: unknown) => { expect(check(body)).toBe(false); return toValidationTree(check.errors!); };

  it('is told by the branch whose type the value has', () => {
    expect(tree({ specialPrice: 101 })).toEqual({ specialPrice: 'specialPrice must not be greater than 100' });
    expect(tree({ warehouses: ['w1', { clientId: 'w2', stock: -1 }] })).toEqual({ warehouses: { 1: { stock: 'stock must not be less than 0' } } });
    expect(tree({ warehouses: [{ clientId: 'w2', stock: 1, extra: true }] })).toEqual({ warehouses: { 0: { extra: 'property extra should not exist' } } });
  });
  it('by every constraint of the union when no branch has the value type', () => {
    expect(tree({ specialPrice: 'x' })).toEqual({ specialPrice: 'specialPrice must be a number conforming to the specified constraints' });
    expect(tree({ specialPrice: '101' })).toEqual({
      specialPrice: 'specialPrice must not be greater than 100, specialPrice must be a number conforming to the specified constraints',
    });
  });
});

describe('a field of one allowed value (a Literal)', () => {
  it('names the value (ajv said "must be equal to constant")', () => {
    const check = bodyAjv.compile(Type.Object({ enabled: Type.Optional(Type.Literal(true)), kind: Type.Optional(Type.Literal('full')) }, { additionalProperties: false }));
    expect(check({ enabled: false, kind: 'part' })).toBe(false);
    expect(toValidationTree(check.errors!)).toEqual({ enabled: 'enabled must be equal to true', kind: 'kind must be equal to full' });
  });
});

describe('keys that name Object.prototype (__proto__, constructor)', () => {
  const Strict = Type.Object({ name: Type.Optional(Type.String()), tags: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 3 }))) }, { additionalProperties: false });
  const check = bodyAjv.compile(Strict);
  const tree = (text: string) => { expect(check(JSON.parse(text))).toBe(false); return toValidationTree(check.errors!); };

  it('are told as any key, and leave Object.prototype alone (a "__proto__" key set _self on every object of the process)', () => {
    const told = tree('{"__proto__": {"x": 1}, "constructor": 1, "tags": {"__proto__": "long", "toString": "long"}}');
    expect(({} as Record<string, unknown>)._self).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, '_self')).toBe(false);
    expect(JSON.parse(JSON.stringify(told))).toEqual(JSON.parse(`{
      "__proto__": "property __proto__ should not exist", "constructor": "property constructor should not exist",
      "tags": {"__proto__": "__proto__ must be shorter than or equal to 3 characters", "toString": "toString must be shorter than or equal to 3 characters"}}`));
  });
});

describe('a body or row with more wrong fields than a tree tells', () => {
  it('tells the first MAX_TOLD_FIELDS fields and counts the errors of the others', () => {
    const check = bodyAjv.compile(Type.Object({ name: Type.String() }, { additionalProperties: false }));
    const row = Object.fromEntries(Array.from({ length: MAX_TOLD_FIELDS + 30 }, (_, i) => [`extra${i}`, 1]));
    expect(check(row)).toBe(false);
    const tree = toValidationTree(check.errors ?? [], 'products[0]');
    expect(Object.keys(tree)).toHaveLength(MAX_TOLD_FIELDS + 1);
    expect(tree.name).toBe('name should not be empty, name must be a string');
    expect(tree.extra0).toBe('property extra0 should not exist');
    expect(tree[UNTOLD_KEY]).toBe(`and 31 more errors (the first ${MAX_TOLD_FIELDS} fields are told)`);
    // Within the limit, nothing is counted.
    expect(check({ extra: 1 })).toBe(false);
    expect(toValidationTree(check.errors ?? [])).toEqual({ name: 'name should not be empty, name must be a string', extra: 'property extra should not exist' });
  });
});

describe('a required property sent as null', () => {
  it('is told as one left out (class-validator\'s IsNotEmpty), an optional one as its type alone', () => {
    const treeWithSchema = (body: unknown) => {
      expect(validate(body)).toBe(false);
      return toValidationTree(validate.errors!, 'body', 0, Body);
    };
    expect(treeWithSchema({ products: null })).toEqual({
      products: 'products should not be empty, products must contain at least 1 elements, products must be an array',
    });
    expect(treeWithSchema({ products: [{ ...ok, name: null, photos: null }] })).toEqual({ products: { 0: {
      name: 'name should not be empty, name must be shorter than or equal to 255 characters, name must be longer than or equal to 1 characters, name must be a string',
      photos: 'photos must be an array',
    } } });
    // Without the schema (a caller that has none), as before: the type's constraints alone.
    expect(treeOf({ products: null })).toEqual({ products: 'products must contain at least 1 elements, products must be an array' });
  });
});

describe('NOT_BLANK', () => {
  it('finds a visible character alike with and without the u flag (the OpenAPI document carries it: a \\p{…} pattern read p, {, C, c without it; review)', () => {
    const blank = ['', '   ', '\t', '\u200b', '\u2060', '\u200e\u200f', '\u3164', '\u00ad', '\ufe0f', '\u034f', '\u2800', '\ufeff'];
    const visible = ['a', 'C', 'Z', 'CC', 'p{Cc}', 'é', '日本', '\u200bX', '\u0600', '\u06dd', ' Lamp '];
    for (const flags of ['u', '']) {
      const re = new RegExp(NOT_BLANK, flags);
      expect(blank.filter((t) => re.test(t)), `flags "${flags}"`).toEqual([]);
      expect(visible.filter((t) => !re.test(t)), `flags "${flags}"`).toEqual([]);
    }
  });
});
