import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { Envelope, ok } from '../../envelope.js';
import { databaseRoute, errorResponsesFor } from '../../error-responses.js';

const Item = Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }));
const tags = ['reference'];
/** No authentication: the parameters' checks and the database's availability. */
const errors = errorResponsesFor(databaseRoute);

/** Reference data, no authentication (partner-api.md). */
export async function referenceRoutes(app: FastifyInstance, { sql }: AppDeps) {
  app.get('/api/v1/partner/reference/categories', {
    schema: { tags, summary: 'Categories', response: { 200: Envelope(Item) }, errors },
  }, async (_request, reply) => ok(reply, 'Categories retrieved successfully', await sql`select id, name from categories order by name`));

  app.get('/api/v1/partner/reference/sub-categories', {
    schema: {
      tags, summary: 'Sub-categories of a category', response: { 200: Envelope(Item) }, errors,
      querystring: Type.Object({ categoryId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
    },
  }, async (request, reply) => ok(reply, 'Sub-categories retrieved successfully',
    await sql`select id, name from sub_categories where category_id = ${(request.query as { categoryId: string }).categoryId} order by name`));

  app.get('/api/v1/partner/reference/types', {
    schema: {
      tags, summary: 'Product types of a sub-category', response: { 200: Envelope(Item) }, errors,
      querystring: Type.Object({ subCategoryId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
    },
  }, async (request, reply) => ok(reply, 'Types retrieved successfully',
    await sql`select id, name from product_types where sub_category_id = ${(request.query as { subCategoryId: string }).subCategoryId} order by name`));

  app.get('/api/v1/partner/reference/brands', {
    schema: { tags, summary: 'Brands', response: { 200: Envelope(Item) }, errors },
  }, async (_request, reply) => ok(reply, 'Brands retrieved successfully', await sql`select id, name from brands order by name`));
}
