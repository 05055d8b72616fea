import { describe, expect, it } from 'vitest';
import { exactInDouble, numbersReadAsParsed } from './body-numbers.js';

const body = (text: string) => Buffer.from(text);

describe('numbersReadAsParsed', () => {
  it('holds for the numbers of usual bodies, long digit runs inside strings included', () => {
    expect(numbersReadAsParsed(body('{"products":[{"price":1234.5,"specialPrice":999.99,"weight":500,"stock":-0,"dimensions":{"length":10.0}}]}'))).toBe(true);
    expect(numbersReadAsParsed(body('{"products":[{"sku":"x:12345678901234567890","photos":["a,1e5","b:[9.99999999999999999"],"price":1}]}'))).toBe(true);
    expect(numbersReadAsParsed(body('{"products":[{"price":10.000000000000000000000,"weight":1.5e3}]}'))).toBe(true);
  });

  it('fails for a number PostgreSQL reads otherwise than JSON.parse: more than 15 significant digits, or a far exponent (QA)', () => {
    expect(numbersReadAsParsed(body('{"products":[{"price":10.00499999999999999999,"specialPrice":10}]}'))).toBe(false);
    expect(numbersReadAsParsed(body('{"products":[{"name":"N","weight":1e-17000}]}'))).toBe(false);
    expect(numbersReadAsParsed(body('{"products":[{"dimensions":{"height":0.0e-16400}}]}'))).toBe(false);
    expect(numbersReadAsParsed(body('{"products":[{"sku":"a\\"b:1","price": 12345678901234567}]}'))).toBe(false);
    // Zeros alone, past numeric's scale: one significant digit, and PostgreSQL refuses it all the same (review).
    expect(numbersReadAsParsed(body(`{"products":[{"weight":0.${'0'.repeat(17000)}1}]}`))).toBe(false);
    expect(numbersReadAsParsed(body(`{"products":[{"weight":1.${'0'.repeat(17000)}}]}`))).toBe(false);
  });
});

describe('exactInDouble', () => {
  it('counts significant digits, not leading or trailing zeros, and bounds the exponent', () => {
    expect(['0.000123456789012345', '123456789012345000', '-1.5E+290', '0', '-0.0'].map(exactInDouble)).toEqual([true, true, true, true, true]);
    expect(['1234567890123456', '0.1234567890123456', '1e291', '1E-300'].map(exactInDouble)).toEqual([false, false, false, false]);
  });
});
