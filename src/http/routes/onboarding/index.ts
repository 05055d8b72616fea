import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { Envelope, ok } from '../../envelope.js';
import { errorResponsesFor, ignoredBody, jsonBody, partnerRoute } from '../../error-responses.js';
import { claimStoreAccess, openSession, unbindStore } from '../../../onboarding/sessions.js';
import { onboardingPages } from './pages.js';
import { referenceRoutes } from './reference.js';

/** Onboarding (partner-api.md): sessions, the seller's pages, store access, unbind; and the reference lists. */
export async function onboardingRoutes(app: FastifyInstance, deps: AppDeps) {
  const { sql, encryptionKey, config } = deps;
  app.post('/api/v1/partner/onboard/sessions', {
    config: { auth: 'partner' },
    schema: {
      tags: ['onboarding'], summary: 'Open an onboard session (valid 3 minutes)',
      description: 'Send the seller to onboardUrl; after they authorize, their browser is redirected to redirectUri?sid=…; then fetch the store access with that sid.',
      body: Type.Object({ redirectUri: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }) }, { additionalProperties: false }),
      response: { 201: Envelope(Type.Object({ sid: Type.String(), expiresAt: Type.String({ format: 'date-time' }), onboardUrl: Type.String() })) }, errors: errorResponsesFor(partnerRoute, jsonBody),
    },
  }, async (request, reply) => {
    const { redirectUri } = request.body as { redirectUri: string };
    const session = await openSession(sql, request.partner!.partnerId, redirectUri, config.publicBaseUrl);
    return reply.code(201).send(ok(reply, 'Onboard session created', session));
  });

  app.get('/api/v1/partner/onboard/store-access', {
    // A GET that claims (once per sid): Fastify's automatic HEAD ran it too, and a HEAD (a link
    // checker, a client probing) used up the credential, which no one received (QA). REQ_004.
    exposeHeadRoute: false,
    config: { auth: 'partner' },
    schema: {
      tags: ['onboarding'], summary: 'The store credential of an authorized session (once per sid)',
      description: 'storeAccess is an ENCRYPTED: field (AES-256-GCM with your partner encryption key); its plaintext is JSON {storeClientId, storeName, storeToken, expiresAt, warehouses:[{clientId, name}]}. Decrypt with decryptField/decryptJsonField of the SDK. The token expires at the end of the period the seller chose.',
      querystring: Type.Object({ sid: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 200: Envelope(Type.Object({ storeAccess: Type.String(), expiresAt: Type.String({ format: 'date-time' }) })) }, errors: errorResponsesFor(partnerRoute, ['ONB_001', 'ONB_002', 'ONB_003', 'ONB_004', 'ONB_005', 'ONB_007', 'ONB_008']),
    },
  }, async (request, reply) => ok(reply, 'Store access retrieved successfully',
    await claimStoreAccess(sql, encryptionKey, request.partner!.partnerId, (request.query as { sid: string }).sid)));

  app.post('/api/v1/partner/stores/:storeClientId/unbind', {
    config: { auth: 'partner' },
    schema: {
      tags: ['onboarding'], summary: "Unbind a store: revoke its token and this partner's authorization",
      params: Type.Object({ storeClientId: Type.String({ maxLength: 100 }) }),
      response: { 200: Envelope(Type.Object({ storeClientId: Type.String(), revokedTokens: Type.Integer(), revokedAuthorizations: Type.Integer() })) }, errors: errorResponsesFor(partnerRoute, ignoredBody, ['ONB_006']),
    },
  }, async (request, reply) => ok(reply, 'Store unbound successfully',
    await unbindStore(sql, request.partner!.partnerId, (request.params as { storeClientId: string }).storeClientId)));

  await app.register(onboardingPages, deps);
  await app.register(referenceRoutes, deps);
}
