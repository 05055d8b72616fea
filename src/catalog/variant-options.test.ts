import { describe, expect, it } from 'vitest';
import { duplicateOptionValues } from './variant-options.js';

describe('duplicateOptionValues', () => {
  it('finds two items naming the same values, whatever the case, spaces and order of names', () => {
    expect(duplicateOptionValues([{ Colour: 'Red', Size: 'L' }, { Colour: 'Blue', Size: 'L' }, { size: ' l ', colour: 'RED' }])).toEqual([0, 2]);
  });
  it('leaves items without options, and distinct combinations, alone', () => {
    expect(duplicateOptionValues([{}, undefined, {}, null, { Size: 'M' }, { Size: 'L' }, { Size: 'M', Colour: 'Red' }])).toBeUndefined();
  });
});
