import type { FastifyInstance } from 'fastify';
import { verifyPartnerRequest, type AuthScope, type PartnerPrincipal } from '../../auth/partner-auth.js';
import type { Sql } from '../../db/database.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'store': partner + store headers; 'partner': partner headers only. Unset: no partner auth. */
    auth?: AuthScope;
  }
  interface FastifyRequest {
    partner?: PartnerPrincipal;
  }
}

/** The verified store principal of a store-scoped route (its auth hook has run). */
export function storeOf(request: { partner?: PartnerPrincipal }): Required<PartnerPrincipal> {
  const p = request.partner;
  if (!p?.storeId) throw new Error('route is not store-scoped: set config.auth = "store"');
  return p as Required<PartnerPrincipal>;
}

/**
 * HMAC authentication for routes whose config says `auth`. It runs in
 * preValidation: after the body is read (the signature covers its raw bytes)
 * but before validation, so an unauthenticated caller learns nothing from it.
 */
export function registerPartnerAuth(app: FastifyInstance, sql: Sql, key: Buffer) {
  app.addHook('preValidation', async (request) => {
    const scope = request.routeOptions.config.auth;
    if (!scope) return;
    request.partner = await verifyPartnerRequest(sql, key, {
      scope, method: request.method, url: request.raw.url ?? request.url, headers: request.headers, rawBody: request.rawBody,
    });
  });
}
