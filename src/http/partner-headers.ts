import { Type } from '@sinclair/typebox';

/** The signed-request headers, documented on every partner route (docs/partner-auth.md). */
export const partnerHeaders = Type.Object({
  'x-partner-client-id': Type.String({ description: 'Partner identifier issued by Omni' }),
  'x-timestamp': Type.String({ description: 'UNIX epoch milliseconds; within 300 s of server time' }),
  'x-signature': Type.String({ description: 'sha256=<hex> (or bare hex) HMAC-SHA256 of the canonical base string' }),
});

export const storeHeaders = Type.Composite([partnerHeaders, Type.Object({
  'x-store-client-id': Type.String({ description: 'Target store identifier' }),
  'x-store-token': Type.String({ description: 'Store access token' }),
})]);
