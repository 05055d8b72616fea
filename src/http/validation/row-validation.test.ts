import { describe, expect, it, vi } from 'vitest';
import { Type } from '@sinclair/typebox';
import { bodyAjv } from './ajv.js';
import { rowValidator } from './row-validation.js';
import { toValidationTree, UNTOLD_KEY } from './validation-errors.js';

const Row = Type.Object({ sku: Type.String(), price: Type.Number({ minimum: 0 }) }, { additionalProperties: false });
const plain = bodyAjv.compile(Row);
const fullTree = (row: unknown) => (plain(row) ? null : toValidationTree(plain.errors ?? [], 'products[3]'));
const withUnknown = (n: number, extra: Record<string, unknown> = {}) => {
  const row: Record<string, unknown> = { sku: 'A', ...extra };
  for (let k = 0; k < n; k++) row[`u${k}`] = k;
  return row;
};

describe('rowValidator', () => {
  it('answers the tree the whole row gives, and null for a valid row', () => {
    const check = rowValidator(Row, 'products');
    for (const row of [withUnknown(0, { price: 1 }), withUnknown(3, { price: -1 }), withUnknown(22), withUnknown(500, { price: 'x' }), null, [], 'x']) {
      expect(check(row, 3)).toEqual(fullTree(row));
    }
    expect(check(withUnknown(0, { price: 1 }), 3)).toBeNull();
    expect(check(withUnknown(500, { price: -1 }), 3)?.[UNTOLD_KEY]).toBe('and 481 more errors (the first 20 fields are told)');
  });

  it('runs ajv on the known properties and the first 20 unknown ones only', () => {
    const seen: number[] = [];
    const compile = bodyAjv.compile.bind(bodyAjv);
    const spy = vi.spyOn(bodyAjv, 'compile').mockImplementation(((schema: any) => {
      const validate = compile(schema);
      return Object.assign((data: any) => { seen.push(Object.keys(data).length); return validate(data); }, validate);
    }) as any);
    try {
      const check = rowValidator(Row, 'products');
      check(withUnknown(500, { price: 1 }), 0);
      check(withUnknown(5, { price: 1 }), 0);
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual([22, 7]);
  });
});
