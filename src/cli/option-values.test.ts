import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { listLimit, wholeNumber } from './option-values.js';

describe('option values', () => {
  it('--limit takes 1 to 100 and refuses the rest instead of clamping it', () => {
    expect([listLimit('1'), listLimit('20'), listLimit(' 100 ')]).toEqual([1, 20, 100]);
    for (const v of ['0', '101', '500']) {
      expect(() => listLimit(v)).toThrow(new InvalidArgumentError(`expected a whole number from 1 to 100, got "${v}".`));
    }
    expect(() => listLimit('-5')).toThrow('expected a whole number, got "-5".');
  });

  it('a whole number is digits only', () => {
    expect(wholeNumber('42')).toBe(42);
    for (const v of ['4.2', '1e3', 'x', '']) expect(() => wholeNumber(v)).toThrow(InvalidArgumentError);
  });
});
