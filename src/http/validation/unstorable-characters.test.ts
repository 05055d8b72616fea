import { describe, expect, it } from 'vitest';
import { mayHoldUnstorableCharacters, unstorableCharacterErrors } from './unstorable-characters.js';

const text = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('characters PostgreSQL cannot store, in a JSON body', () => {
  it('are found as the escapes \\u0000 and \\uD…, not as an escaped backslash before "u"', () => {
    expect(mayHoldUnstorableCharacters(text({ name: 'a\u0000b' }))).toBe(true);
    expect(mayHoldUnstorableCharacters(text({ name: 'a\\u0000b' }))).toBe(false);
    expect(mayHoldUnstorableCharacters(text({ name: 'a\\\u0000b' }))).toBe(true);
    expect(mayHoldUnstorableCharacters(text({ name: 'a\ud800b' }))).toBe(true);
    expect(mayHoldUnstorableCharacters(Buffer.from('{"name":"a\\uDC00"}'))).toBe(true);
    expect(mayHoldUnstorableCharacters(Buffer.from('{"name":"a\\\\ud800"}'))).toBe(false);
    expect(mayHoldUnstorableCharacters(text({ name: 'plain 😀' }))).toBe(false);
  });

  it('are reported at their path, keys included; surrogate pairs are fine', () => {
    const body = {
      products: [{ name: 'ok \ud83d\ude00' }, { name: 'a\u0000', hashtags: ['x', 'y\u0000'], description: 'half \ud83d' }],
      ['k\u0000']: 1, ['\udc00']: 2,
    };
    expect(unstorableCharacterErrors(body)).toEqual({
      products: { 1: {
        name: 'name must not contain the NUL character (\\u0000)',
        hashtags: { 1: '1 must not contain the NUL character (\\u0000)' },
        description: 'description must not contain a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair)',
      } },
      'k\u0000': 'property names must not contain the NUL character (\\u0000)',
      '\udc00': 'property names must not contain a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair)',
    });
    expect(unstorableCharacterErrors({ products: [{ name: 'a\\u0000', emoji: '\ud83d\ude00' }] })).toBeNull();
  });

  it('reports a value nested thousands of levels deep at the 64th level instead of overflowing the stack', () => {
    const deep = JSON.parse(`{"a":${'['.repeat(5000)}"\\u0000"${']'.repeat(5000)}}`);
    let node = unstorableCharacterErrors(deep) as any;
    node = node.a;
    for (let level = 2; level < 64; level++) node = node[0];
    expect(node).toEqual({ 0: '0 is nested more than 64 levels deep' });
  });
});
