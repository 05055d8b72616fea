import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { listLimit, partnerApiPath, pimApiPath, uuid, wholeNumber } from './option-values.js';

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

  it('a uuid is given back as PostgreSQL prints it: lower case, hyphenated (an upper-case id was echoed as typed)', () => {
    expect(uuid(' 58C52380-CC80-4EFC-81A9-FEC0AB069E64 ')).toBe('58c52380-cc80-4efc-81a9-fec0ab069e64');
    expect(uuid('58C52380CC804EFC81A9FEC0AB069E64')).toBe('58c52380-cc80-4efc-81a9-fec0ab069e64');
  });

  it("demo curl's paths are each of their own API: a Partner path for --pim-path, a PIM one for --path, is refused", () => {
    expect([partnerApiPath('partner/stores/products'), pimApiPath('/audit'), pimApiPath('/api/v1/pim/validation-issues?limit=5')])
      .toEqual(['/api/v1/partner/stores/products', '/api/v1/audit', '/api/v1/pim/validation-issues?limit=5']);
    expect(() => pimApiPath('/partner/stores/products')).toThrow('expected a PIM API path (/pim/…, /audit); a Partner API path goes to --path, got "/partner/stores/products".');
    expect(() => pimApiPath('/api/v1/partner')).toThrow(InvalidArgumentError);
    expect(() => partnerApiPath('/api/v1/pim/bulk-jobs')).toThrow('expected a Partner API path (/partner/…); a PIM API path goes to --pim-path, got "/api/v1/pim/bulk-jobs".');
    expect(() => partnerApiPath('/audit')).toThrow(InvalidArgumentError);
    expect(() => partnerApiPath('/partner/stores/products?search=a b')).toThrow('expected a path percent-encoded as sent (a space is %20), got "/partner/stores/products?search=a b".');
    expect(partnerApiPath(' /partner/stores/products?search=a%20b ')).toBe('/api/v1/partner/stores/products?search=a%20b');
    // Past ASCII: escaped as UTF-8, as the SDK sends it (signed as typed, it was AUTH_010 or REQ_009: QA).
    expect(partnerApiPath('/partner/stores/products/sku/ÉTÉ-1?q=é')).toBe('/api/v1/partner/stores/products/sku/%C3%89T%C3%89-1?q=%C3%A9');
    // Resolved as curl resolves them before sending: the path signed is the path sent.
    for (const sneaked of ['/api/v1/./pim/products', '/api/v1/partner/../pim/products']) expect(() => partnerApiPath(sneaked)).toThrow(InvalidArgumentError);
    expect(() => pimApiPath('/api/v1/pim/../partner/stores')).toThrow(InvalidArgumentError);
    expect([partnerApiPath('/partner/stores/./products/../products?q=a/../b'), partnerApiPath('/partner/stores/products/..')])
      .toEqual(['/api/v1/partner/stores/products?q=a/../b', '/api/v1/partner/stores/']);
    // Neither API's (e.g. /health) is the caller's business: taken as before.
    expect([partnerApiPath('/health'), pimApiPath('/partnership')]).toEqual(['/health', '/partnership']);
  });
});
