import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/test-app.js';
import { createPartner } from '../../src/partners/partners.js';
import { createStore } from '../../src/stores/stores.js';
import { hashToken, tokenHint } from '../../src/auth/identifiers.js';

/**
 * The test vectors of shared/spec/partner-auth.md sent to the server as the spec writes them
 * (the bare hex form of the endpoint pages, and the `sha256=` form), with the server's clock at
 * the vector's timestamp. src/sdk/signing.test.ts checks that the SDK computes them; this checks
 * that the server accepts them: headers as received, PATH from the raw URL without /api/v1, the
 * hash of the raw body bytes (or of nothing).
 */
const VECTOR_1_2 = { partnerClientId: 'ptnr_1s4UqMnO64', secret: 'test_secret_key', storeClientId: 'str_TGIxyboe7-Rz', storeToken: 'stkn_1G_R3r_5QTvwr_0O', timestamp: 1709024577000 };
const VECTOR_3_4 = { partnerClientId: '2025112512510620439726', secret: 'omni_demo_secret_1', storeClientId: '638765489981529612495', storeToken: 'stkn_Dd26kxQ7obYAdAvo', timestamp: 1758100350458 };

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
  for (const v of [VECTOR_1_2, VECTOR_3_4]) {
    await createPartner(ctx.sql, ctx.deps.encryptionKey, { name: `Vector ${v.partnerClientId}`, clientId: v.partnerClientId, secret: v.secret });
    const { storeId } = await createStore(ctx.sql, { partnerClientId: v.partnerClientId, name: 'Vector store' });
    await ctx.sql`update stores set client_id = ${v.storeClientId} where id = ${storeId}`;
    await ctx.sql`insert into store_tokens (store_id, token_hash, token_hint) values (${storeId}, ${hashToken(v.storeToken)}, ${tokenHint(v.storeToken)})`;
  }
});
afterEach(() => { vi.useRealTimers(); });
afterAll(() => ctx.close());

interface Vector { method: 'GET' | 'POST' | 'PATCH'; url: string; body?: string; store: boolean; creds: typeof VECTOR_1_2; signature: string; status: number }
const VECTORS: Record<string, Vector> = {
  '1: GET with store headers, no body': {
    method: 'GET', url: '/api/v1/partner/stores/catalog/02b65657-bfcd-47ba-9f91-ec67e7b5913e', store: true, creds: VECTOR_1_2,
    signature: 'fa63e929ba8ab04f0a6c8b781a8e25841b2028e01224f8016ab7591835ffa5f3', status: 404, // verified; no such batch (BAT_001)
  },
  '2: POST partner-only with a body': {
    method: 'POST', url: '/api/v1/partner/onboard/sessions', store: false, creds: VECTOR_1_2,
    body: '{"redirectUri":"https://bigseller.com/login/email-login?redirect=/shopset/toco"}',
    signature: '3e95f99628d0da6889febcac9c76a3071bcef7eb0a7590abccd2de537f395235', status: 201,
  },
  '3: PATCH inventory, numeric ids': {
    method: 'PATCH', url: '/api/v1/partner/stores/inventory', store: true, creds: VECTOR_3_4,
    body: '{"items":[{"sku":"SKU-GRY-XL","stock":200},{"externalId":"bee2f8e5-ed8c-4b8e-97dc-208e45521909","stock":32}]}',
    signature: 'aaa1888a1fca1ea7a12e367a1e65b428338199edcaeb4968e07141433c380de8', status: 200, // accepted; its rows name nothing (INV_001, INV_003)
  },
  '4: GET with a query string': {
    method: 'GET', url: '/api/v1/partner/stores/products?page=2&limit=50', store: true, creds: VECTOR_3_4,
    signature: 'f4b05f4ed408bed22b616016947706cf5d6b073df3d569d6423c5e36b2621214', status: 200,
  },
};

function send(v: Vector, signature: string) {
  const { creds } = v;
  // Only Date: the server's clock at the vector's time (a second later), its timers as they are.
  vi.useFakeTimers({ toFake: ['Date'], now: creds.timestamp + 1000 });
  return ctx.app.inject({
    method: v.method, url: v.url, payload: v.body,
    headers: {
      ...(v.body === undefined ? {} : { 'content-type': 'application/json' }),
      'x-partner-client-id': creds.partnerClientId, 'x-timestamp': String(creds.timestamp), 'x-signature': signature,
      ...(v.store ? { 'x-store-client-id': creds.storeClientId, 'x-store-token': creds.storeToken } : {}),
    },
  });
}

describe('partner-auth.md test vectors, verified by the server', () => {
  for (const [name, v] of Object.entries(VECTORS)) {
    it(`vector ${name}`, async () => {
      for (const signature of [v.signature, `sha256=${v.signature}`]) {
        const res = await send(v, signature);
        expect([signature, res.statusCode, res.json().error?.code ?? null]).toEqual([signature, v.status, v.status === 404 ? 'BAT_001' : null]);
      }
      // Another vector's signature is refused: the server checks this request's own base string.
      const other = Object.values(VECTORS).find((o) => o !== v && o.creds === v.creds)!;
      expect((await send(v, other.signature)).json().error.code).toBe('AUTH_010');
    });
  }
});
