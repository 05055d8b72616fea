import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { Envelope, Meta, PageNumber, ok, paginationMeta } from '../../envelope.js';
import { errorResponsesFor, partnerRoute, storeRoute } from '../../error-responses.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { partnerStorePage } from '../../../stores/stores.js';
import { listWarehousePage } from '../../../stores/warehouses.js';

const Warehouse = Type.Object({ id: Type.String({ format: 'uuid' }), clientId: Type.String(), name: Type.String(), createdAt: Type.String({ format: 'date-time' }) });
const Store = Type.Object({
  storeClientId: Type.String(), name: Type.String(), status: Type.String(),
  bound: Type.Boolean({ description: 'whether the store has a live store token: false after an unbind (or its tokens expiring) until the seller onboards again' }),
  warehouseCount: Type.Integer(), createdAt: Type.String({ format: 'date-time' }),
});
// Paged as every list of this API is (meta.pagination); a larger page than the others' (100, up to
// 1,000) since both lists answered everything at once until 2026-12-07, and most partners' and
// stores' lists fit in one page.
const PageQuery = Type.Object({
  page: PageNumber(),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
}, { additionalProperties: false });

export async function partnerStoreRoutes(app: FastifyInstance, { sql }: AppDeps) {
  app.get<{ Querystring: { page: number; limit: number } }>('/api/v1/partner/stores', {
    config: { auth: 'partner' },
    schema: {
      tags: ['partner'], summary: "The partner's stores, oldest first", querystring: PageQuery,
      response: { 200: Envelope(Type.Array(Store), Meta) }, errors: errorResponsesFor(partnerRoute),
    },
  }, async (request, reply) => {
    const { total, items } = await partnerStorePage(sql, request.partner!.partnerId, request.query);
    return ok(reply, 'Stores retrieved successfully', items, paginationMeta(request.query, total));
  });

  app.get<{ Querystring: { page: number; limit: number } }>('/api/v1/partner/stores/warehouses', {
    config: { auth: 'store' },
    schema: {
      tags: ['partner'], summary: "The store's warehouses and their clientIds, oldest first", querystring: PageQuery,
      response: { 200: Envelope(Type.Array(Warehouse), Meta) }, errors: errorResponsesFor(storeRoute),
    },
  }, async (request, reply) => {
    const { total, items } = await listWarehousePage(sql, storeOf(request).storeId, request.query);
    return ok(reply, 'Warehouses retrieved successfully', items, paginationMeta(request.query, total));
  });
}
