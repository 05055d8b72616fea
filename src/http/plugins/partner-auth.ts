import type { FastifyInstance, FastifyRequest } from 'fastify';
import type postgres from 'postgres';
import { verifyPartnerRequest, type AuthScope, type PartnerPrincipal } from '../../auth/partner-auth.js';
import type { Sql } from '../../db/database.js';
import type { PartnerRateCheck } from './partner-rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'store': partner + store headers; 'partner': partner headers only. Unset: no partner auth. */
    auth?: AuthScope;
    /**
     * A read the handler needs first, made in the credential lookup's round trip
     * (SignedRequest.alsoSelect); its value lands in request.prefetched once verified.
     */
    prefetch?: (request: FastifyRequest, sql: Sql) => postgres.Fragment | undefined;
  }
  interface FastifyRequest {
    partner?: PartnerPrincipal;
    /** What config.prefetch read (null when it found nothing); undefined when nothing was prefetched. */
    prefetched?: unknown;
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
 * The partner's request limit (partner-rate-limit.ts) counts it once the signature is proved.
 */
export function registerPartnerAuth(app: FastifyInstance, sql: Sql, key: Buffer, rateCheck: PartnerRateCheck | null) {
  app.addHook('preValidation', async (request, reply) => {
    const { auth: scope, prefetch } = request.routeOptions.config;
    if (!scope) return;
    const alsoSelect = prefetch?.(request, sql);
    const { also, ...principal } = await verifyPartnerRequest(sql, key, {
      scope, method: request.method, url: request.raw.url ?? request.url, headers: request.headers, rawBody: request.rawBody, alsoSelect,
      ...(rateCheck ? { onSignatureProved: (partnerId: string) => rateCheck(partnerId, reply) } : {}),
    });
    request.partner = principal;
    if (alsoSelect) request.prefetched = also ?? null;
  });
}
