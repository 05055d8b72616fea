import { describe, expect, it } from 'vitest';
import { buildBaseString, computeSignature, sha256Hex, signRequest } from './signing.js';

// The vectors of shared/spec/partner-auth.md, byte for byte.
const store3 = {
  partnerClientId: '2025112512510620439726',
  storeClientId: '638765489981529612495',
  storeToken: 'stkn_Dd26kxQ7obYAdAvo',
  timestamp: '1758100350458',
};

describe('partner signing vectors', () => {
  it('vector 1: GET without body, store headers', () => {
    expect(computeSignature('test_secret_key', {
      method: 'GET', path: '/partner/stores/catalog/02b65657-bfcd-47ba-9f91-ec67e7b5913e',
      partnerClientId: 'ptnr_1s4UqMnO64', storeClientId: 'str_TGIxyboe7-Rz', storeToken: 'stkn_1G_R3r_5QTvwr_0O',
      timestamp: '1709024577000',
    })).toBe('fa63e929ba8ab04f0a6c8b781a8e25841b2028e01224f8016ab7591835ffa5f3');
  });

  it('vector 2: POST partner-only with body', () => {
    const body = '{"redirectUri":"https://bigseller.com/login/email-login?redirect=/shopset/toco"}';
    expect(sha256Hex(body)).toBe('c2e5638c54b47fddf9085e37dad72fc2f9de1efe34f1c6ba44267e146210f24e');
    expect(computeSignature('test_secret_key', {
      method: 'POST', path: '/partner/onboard/sessions', partnerClientId: 'ptnr_1s4UqMnO64', timestamp: 1709024577000, body,
    })).toBe('3e95f99628d0da6889febcac9c76a3071bcef7eb0a7590abccd2de537f395235');
  });

  it('vector 3: PATCH inventory, numeric ids', () => {
    const body = '{"items":[{"sku":"SKU-GRY-XL","stock":200},{"externalId":"bee2f8e5-ed8c-4b8e-97dc-208e45521909","stock":32}]}';
    expect(sha256Hex(body)).toBe('916c3290191d666c343758afde42436d3525a527676d0cf78d2b58884d72ed0d');
    expect(computeSignature('omni_demo_secret_1', { method: 'PATCH', path: '/partner/stores/inventory', ...store3, body }))
      .toBe('aaa1888a1fca1ea7a12e367a1e65b428338199edcaeb4968e07141433c380de8');
  });

  it("vector 3 with the body's hash given (bodySha256) instead of the body", () => {
    const hash = '916c3290191d666c343758afde42436d3525a527676d0cf78d2b58884d72ed0d';
    expect(computeSignature('omni_demo_secret_1', { method: 'PATCH', path: '/partner/stores/inventory', ...store3, bodySha256: hash }))
      .toBe('aaa1888a1fca1ea7a12e367a1e65b428338199edcaeb4968e07141433c380de8');
    expect(computeSignature('omni_demo_secret_1', { method: 'PATCH', path: '/partner/stores/inventory', ...store3, bodySha256: hash.replace('9', '8') }))
      .not.toBe('aaa1888a1fca1ea7a12e367a1e65b428338199edcaeb4968e07141433c380de8');
  });

  it('vector 4: GET with a query string, /api/v1 prefix stripped', () => {
    const parts = { method: 'get', path: '/api/v1/partner/stores/products?page=2&limit=50', ...store3 };
    expect(computeSignature('omni_demo_secret_1', parts)).toBe('f4b05f4ed408bed22b616016947706cf5d6b073df3d569d6423c5e36b2621214');
    expect(buildBaseString(parts).split('\n').slice(0, 2)).toEqual(['GET', '/partner/stores/products?page=2&limit=50']);
  });

  it('signRequest emits the sha256= form and omits absent store headers', () => {
    const h = signRequest({ secret: 'test_secret_key', method: 'POST', path: '/partner/onboard/sessions',
      partnerClientId: 'ptnr_1s4UqMnO64', timestamp: 1709024577000,
      body: '{"redirectUri":"https://bigseller.com/login/email-login?redirect=/shopset/toco"}' });
    expect(h['x-signature']).toBe('sha256=3e95f99628d0da6889febcac9c76a3071bcef7eb0a7590abccd2de537f395235');
    expect(h).not.toHaveProperty('x-store-client-id');
  });
});
