import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { Envelope } from '../../envelope.js';
import { bulkRequest, errorResponsesFor, RowErrorSchema, storeRoute } from '../../error-responses.js';
import { acceptedRequestRowCodes } from '../../row-codes.js';
import type { ErrorCode } from '../../../errors/catalogue.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { acceptPriceRows, PriceItem } from '../../../catalog/price-rows.js';
import { acceptDeletionRows } from '../../../catalog/product-deletions.js';
import { Uuid } from '../../../catalog/product-schema.js';
import { bulkBody, IdempotencyHeader, Summary } from './schemas.js';
import { accept, originOf } from './accept.js';
import { acceptVariantProductRows, BulkVariantProductInput } from '../../../catalog/variant-product-rows.js';
import { VariantProductInput } from '../../../catalog/product-schema.js';

const Accepted = (rowCodes: readonly ErrorCode[]) => Type.Object({
  batchId: Type.String(),
  summary: Summary,
  acceptedRows: Type.Array(Type.Object({
    rowIndex: Type.Integer(), target: Type.Optional(Type.String()), id: Type.String({ format: 'uuid' }),
    externalId: Type.Optional(Type.String()), sku: Type.Optional(Type.String()),
  })),
  errors: Type.Array(RowErrorSchema(rowCodes)),
});
const bulkErrors = errorResponsesFor(storeRoute, bulkRequest);

/** Products with variants, price updates and deletions: the same async pipeline as the bulk endpoints. */
export async function catalogMaintenanceRoutes(app: FastifyInstance, deps: AppDeps) {
  const principal = (request: FastifyRequest) => ({ storeId: storeOf(request).storeId, partnerId: storeOf(request).partnerId });
  const pricesBody = bulkBody('items', PriceItem, 'Price changes');
  app.patch('/api/v1/partner/stores/products/prices', {
    config: { auth: 'store' }, validatorCompiler: pricesBody.validatorCompiler,
    schema: {
      tags: ['products'], summary: 'Update prices (async)',
      description: 'Each item names a sku (a simple product or a variant) or the id of a simple product (an id of a product with variants is PRD_040), with price and/or specialPrice; specialPrice must stay below price. Items for the same product or variant apply in request order (a later item overrides the fields it gives; an item that would leave specialPrice at or above price fails alone, PRD_008). At most 1,000 items.',
      headers: IdempotencyHeader, body: pricesBody.body,
      response: { 200: Envelope(Accepted(acceptedRequestRowCodes.prices)) }, errors: bulkErrors,
    },
  }, (request, reply) => accept(deps, request, reply, 'Price update request accepted',
    (tx) => acceptPriceRows(tx, principal(request), originOf(request), (request.body as any).items)));

  const VariantAccepted = (rowCodes: readonly ErrorCode[]) => Type.Object({
    batchId: Type.String(), summary: Summary,
    acceptedRows: Type.Array(Type.Object({ rowIndex: Type.Integer(), externalId: Type.String(), skus: Type.Array(Type.String()) })),
    errors: Type.Array(RowErrorSchema(rowCodes)),
  });
  for (const [path, mode, schema, summary, message] of [
    ['/api/v1/partner/stores/catalog/with-variants/sync', 'sync', VariantProductInput, 'Catalog sync of products with variants (creation only, async)', 'Catalog sync request accepted'],
    ['/api/v1/partner/stores/products/with-variants/bulk', 'bulk', BulkVariantProductInput, 'Create or update products with variants (async)', 'Products processed'],
  ] as const) {
    const body = bulkBody('products', schema, 'Products with variants');
    app.post(path, {
      config: { auth: 'store' }, validatorCompiler: body.validatorCompiler,
      schema: {
        tags: ['catalog'], summary,
        description: 'Each row is a parent (externalId, name, descriptive fields) and variants.items (sku, options such as {"Colour": "Red", "Size": "XL"}, price, specialPrice, stock or warehouses). Price, sku and stock live on the variants. With products/with-variants/bulk a row carrying the id of an existing product with variants updates it: its variants are matched by sku, and its variants missing from the row are deactivated. Variant stock needs a warehouse (WHS_005 on a store without). At most 1,000 rows, and 100,000 warehouse stock rows (a variant\'s stock without a warehouse list is a row in each of the store\'s warehouses): PRD_006.',
        headers: IdempotencyHeader, body: body.body,
        response: { 200: Envelope(VariantAccepted(acceptedRequestRowCodes[mode === 'bulk' ? 'variantsBulk' : 'variantsSync'])) }, errors: bulkErrors,
      },
    }, (request, reply) => accept(deps, request, reply, message,
      (tx) => acceptVariantProductRows(tx, principal(request), originOf(request), (request.body as any).products, mode)));
  }

  const deletionsBody = bulkBody('ids', Uuid, 'Ids of the products to delete');
  app.post('/api/v1/partner/stores/products/deletions', {
    config: { auth: 'store' }, validatorCompiler: deletionsBody.validatorCompiler,
    schema: {
      tags: ['products'], summary: 'Delete products (async)',
      description: 'Deletes the products and their variants and stock; the audit log keeps the record and a product.deleted event is sent. At most 1,000 ids.',
      headers: IdempotencyHeader, body: deletionsBody.body, response: { 200: Envelope(Accepted(acceptedRequestRowCodes.deletions)) }, errors: bulkErrors,
    },
  }, (request, reply) => accept(deps, request, reply, 'Deletion request accepted',
    (tx) => acceptDeletionRows(tx, principal(request), originOf(request), (request.body as any).ids)));
}
