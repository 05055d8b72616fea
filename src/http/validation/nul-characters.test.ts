import { describe, expect, it } from 'vitest';
import { hasEscapedNul, nulCharacterErrors } from './nul-characters.js';

describe('NUL characters in a JSON body', () => {
  it('are found as the escape \\u0000, not as an escaped backslash before "u0000"', () => {
    expect(hasEscapedNul(Buffer.from(JSON.stringify({ name: 'a\u0000b' })))).toBe(true);
    expect(hasEscapedNul(Buffer.from(JSON.stringify({ name: 'a\\u0000b' })))).toBe(false);
    expect(hasEscapedNul(Buffer.from(JSON.stringify({ name: 'a\\\u0000b' })))).toBe(true);
    expect(hasEscapedNul(Buffer.from(JSON.stringify({ name: 'plain' })))).toBe(false);
  });

  it('are reported at their path, keys included', () => {
    const body = { products: [{ name: 'ok' }, { name: 'a\u0000', hashtags: ['x', 'y\u0000'] }], ['k\u0000']: 1 };
    expect(nulCharacterErrors(body)).toEqual({
      products: { 1: { name: 'name must not contain the NUL character (\\u0000)', hashtags: { 1: '1 must not contain the NUL character (\\u0000)' } } },
      'k\u0000': 'property names must not contain the NUL character (\\u0000)',
    });
    expect(nulCharacterErrors({ products: [{ name: 'a\\u0000' }] })).toBeNull();
  });
});
