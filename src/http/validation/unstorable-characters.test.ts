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

  it('are told at 32 levels for a body nested deeper, so the error can be serialised', () => {
    const nested = (leaf: string) => { let v: unknown = [leaf]; for (let i = 0; i < 5000; i++) v = [v]; return v; };
    const deep = nested('x\u0000');
    const tree = unstorableCharacterErrors({ a: deep })!;
    expect(JSON.stringify(tree).length).toBeLessThan(1000);
    let node: any = tree;
    for (let level = 0; level < 31; level++) node = node[Object.keys(node)[0]];
    expect(node).toEqual({ 0: '0 holds, deeper than 32 levels, text PostgreSQL cannot store (\\u0000 or a lone UTF-16 surrogate)' });
    expect(unstorableCharacterErrors({ a: nested('x') })).toBeNull();
  });
});

describe('keys that name Object.prototype', () => {
  it('are reported as any key: under "__proto__" a NUL was lost (the tree took it as its prototype) and passed', () => {
    const body = JSON.parse('{"__proto__": {"name": "a\\u0000"}, "constructor": "b\\u0000"}');
    const tree = unstorableCharacterErrors(body);
    expect(JSON.parse(JSON.stringify(tree))).toEqual(JSON.parse(`{
      "__proto__": {"name": "name must not contain the NUL character (\\\\u0000)"}, "constructor": "constructor must not contain the NUL character (\\\\u0000)"}`));
  });
});
