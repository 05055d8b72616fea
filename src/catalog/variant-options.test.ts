import { describe, expect, it } from 'vitest';
import { duplicateOptionValues } from './variant-options.js';

describe('duplicateOptionValues', () => {
  it('finds two items naming the same values, whatever the case, spaces and order of names', () => {
    expect(duplicateOptionValues([{ Colour: 'Red', Size: 'L' }, { Colour: 'Blue', Size: 'L' }, { size: ' l ', colour: 'RED' }])).toEqual([0, 2]);
  });
  it('as a shopper sees them: composed or decomposed, and with characters that show nothing, alike (Unicode QA)', () => {
    expect(duplicateOptionValues([{ Finish: 'Crème'.normalize('NFC') }, { Finish: 'Crème'.normalize('NFD') }])).toEqual([0, 1]);
    expect(duplicateOptionValues([{ Size: 'L' }, { Size: 'L\u200b' }])).toEqual([0, 1]);
    expect(duplicateOptionValues([{ Size: 'L' }, { 'Si\u00adze': 'L' }])).toEqual([0, 1]);
  });
  it('leaves items without options, and distinct combinations, alone', () => {
    expect(duplicateOptionValues([{}, undefined, {}, null, { Size: 'M' }, { Size: 'L' }, { Size: 'M', Colour: 'Red' }])).toBeUndefined();
  });
});
