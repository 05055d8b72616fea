import { describe, expect, it } from 'vitest';
import { rowIdMismatch } from './key-clash.js';

describe('rowIdMismatch (PRD_005 context.reason)', () => {
  const simple = { has_variants: false, external_id: 'ext-1' };
  const withVariants = { has_variants: true, external_id: 'ext-1' };
  it('names why a bulk row id does not name the product it would update', () => {
    expect(rowIdMismatch(undefined, 'ext-1', false)).toBe('no product of this store has this id');
    expect(rowIdMismatch(withVariants, 'ext-1', false)).toMatch(/has variants: update it through products\/with-variants\/bulk/);
    expect(rowIdMismatch(simple, 'ext-1', true)).toMatch(/has no variants: update it through products\/bulk/);
    expect(rowIdMismatch(simple, 'ext-2', false)).toBe('the product\'s externalId is "ext-1", not the row\'s');
  });
  it('is undefined when the id names the row product on its endpoint', () => {
    expect(rowIdMismatch(simple, 'ext-1', false)).toBeUndefined();
    expect(rowIdMismatch(withVariants, 'ext-1', true)).toBeUndefined();
  });
});
