import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { cursorPageMeta, Envelope, ok, ProductPageMeta } from '../../envelope.js';
import { errorResponsesFor, pimRoute } from '../../error-responses.js';
import { AppError } from '../../../errors/app-error.js';
import { getProduct, listProducts, type ProductQuery } from '../../../catalog/product-read.js';
import type { PimPrincipal } from '../../../pim/pim-auth.js';
import { ProductListQuery, ProductView, VariantActive } from '../products/schemas.js';
import { pimHeaders } from './headers.js';

const THE_VIEW = 'each product in the catalog export\'s format (the Partner API\'s product view: camelCase, with variants and per-warehouse stock), products an open ERROR issue keeps out of the export included';

/**
 * The tenant's catalog, read (the onRequest PIM auth hook of the parent scope applies). A catalog
 * team had no read of a product but the whole export: an issue named its product_id, and the
 * product behind it could be seen only through the Partner API, whose credentials are the
 * partner's. The reads are the Partner API's own (catalog/product-read.ts).
 */
export async function pimProductRoutes(app: FastifyInstance, { sql, statements = sql }: AppDeps) {
  const who = (r: { pim?: PimPrincipal }) => r.pim!;
  const tags = ['pim'];

  app.get('/api/v1/pim/products', {
    schema: {
      tags, summary: "The tenant's products, filtered and paginated", headers: pimHeaders,
      description: `${THE_VIEW}; the query is the Partner API's GET /api/v1/partner/stores/products (cursor paging by createdAt or updatedAt included).`,
      querystring: ProductListQuery, response: { 200: Envelope(Type.Array(ProductView), ProductPageMeta) }, errors: errorResponsesFor(pimRoute),
    },
  }, async (request, reply) => {
    const q = request.query as ProductQuery;
    const { total, items, nextCursor } = await listProducts(sql, who(request).storeId, q);
    return ok(reply, 'Products retrieved successfully', items, cursorPageMeta(q, total, nextCursor));
  });

  app.get('/api/v1/pim/products/:id', {
    schema: {
      tags, summary: 'One product of the tenant, with its variants and per-warehouse stock', headers: pimHeaders,
      description: `${THE_VIEW}; its open issues: GET /api/v1/pim/validation-issues?product_id=…`,
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }), querystring: VariantActive,
      response: { 200: Envelope(ProductView) }, errors: errorResponsesFor(pimRoute, ['PRD_001']),
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const product = await getProduct(statements, who(request).storeId, id, (request.query as { isVariantActive?: boolean }).isVariantActive);
    if (!product) throw new AppError('PRD_001', { productId: id });
    reply.header('etag', `"${product.version}"`);
    return ok(reply, 'Product retrieved successfully', product);
  });
}
