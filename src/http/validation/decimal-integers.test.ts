import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { compileRequestPart } from './decimal-integers.js';
import { toValidationTree } from './validation-errors.js';

const Query = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  q: Type.Optional(Type.String({ maxLength: 5 })),
}, { additionalProperties: false });

describe('integers of a query string', () => {
  const validate = compileRequestPart(Query);
  const told = (query: Record<string, unknown>) => (validate({ ...query }) ? 'valid' : toValidationTree(validate.errors!));

  it('are decimal digits: a form JavaScript also reads as a number is "no integer", as 2.5 is', () => {
    for (const page of ['0x2', '1e1', '1.0', ' 2', '2 ', '+2', '0b1', '', 'Infinity']) {
      expect(told({ page }), JSON.stringify(page)).toEqual({ page: 'page must be an integer number' });
    }
    // Told as written, not by the number ajv would read it as (0x0: below 1).
    expect(told({ page: '0x0' })).toEqual({ page: 'page must not be less than 1, page must be an integer number' });
    // Beside the other values' errors; a repeated parameter's one value too.
    expect(told({ page: ['1e1'], limit: '500', q: 'toolong' })).toEqual({
      q: 'q must be shorter than or equal to 5 characters', limit: 'limit must not be greater than 100', page: 'page must be an integer number' });
  });

  it('say a parameter of one value was sent several times, not what ajv makes of the array (onboarding QA)', () => {
    expect(told({ q: ['a', 'b'] })).toEqual({ q: 'q was sent 2 times: send it once' });
    expect(told({ page: ['1', '2', '3'], limit: '5' })).toEqual({ page: 'page was sent 3 times: send it once' });
  });

  it('keep what ajv made of decimal ones: numbers, defaults, and their bounds', () => {
    const query: Record<string, unknown> = { page: '02', limit: '100' };
    expect(validate(query)).toBe(true);
    expect(query).toEqual({ page: 2, limit: 100 });
    const none: Record<string, unknown> = {};
    expect(validate(none)).toBe(true);
    expect(none).toEqual({ page: 1, limit: 20 });
    expect(told({ page: '-1' })).toEqual({ page: 'page must not be less than 1' });
    expect(told({ limit: '101' })).toEqual({ limit: 'limit must not be greater than 100' });
  });
});
