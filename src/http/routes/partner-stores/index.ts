import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { Envelope, ok } from '../../envelope.js';
import { errorResponsesFor, partnerRoute, storeRoute } from '../../error-responses.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { listPartnerStores } from '../../../stores/stores.js';
import { listWarehouses } from '../../../stores/warehouses.js';

const Warehouse = Type.Object({ id: Type.String({ format: 'uuid' }), clientId: Type.String(), name: Type.String(), createdAt: Type.String({ format: 'date-time' }) });
const Store = Type.Object({
  storeClientId: Type.String(), name: Type.String(), status: Type.String(),
  bound: Type.Boolean({ description: 'whether the store has a live store token: false after an unbind (or its tokens expiring) until the seller onboards again' }),
  warehouseCount: Type.Integer(), createdAt: Type.String({ format: 'date-time' }),
});

export async function partnerStoreRoutes(app: FastifyInstance, { sql }: AppDeps) {
  app.get('/api/v1/partner/stores', {
    config: { auth: 'partner' },
    schema: { tags: ['partner'], summary: "The partner's stores", response: { 200: Envelope(Type.Array(Store)) }, errors: errorResponsesFor(partnerRoute) },
  }, async (request, reply) => ok(reply, 'Stores retrieved successfully', await listPartnerStores(sql, request.partner!.partnerId)));

  app.get('/api/v1/partner/stores/warehouses', {
    config: { auth: 'store' },
    schema: { tags: ['partner'], summary: "The store's warehouses and their clientIds", response: { 200: Envelope(Type.Array(Warehouse)) }, errors: errorResponsesFor(storeRoute) },
  }, async (request, reply) => ok(reply, 'Warehouses retrieved successfully', await listWarehouses(sql, storeOf(request).storeId)));
}
