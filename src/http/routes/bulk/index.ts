import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { Envelope } from '../../envelope.js';
import { bulkRequest, errorResponsesFor, RowErrorSchema, storeRoute } from '../../error-responses.js';
import { acceptedRequestRowCodes } from '../../row-codes.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { acceptProductRows, BulkProductInput, MAX_ROWS_PER_REQUEST } from '../../../catalog/product-rows.js';
import { SimpleProductInput } from '../../../catalog/product-schema.js';
import { acceptStockRows, InventoryItem } from '../../../inventory/stock-rows.js';
import { bulkBody, IdempotencyHeader, ProductAccepted, Summary } from './schemas.js';
import { batchRoutes } from './batches.js';
import { accept, originOf, takeRows } from './accept.js';
import { catalogMaintenanceRoutes } from './variants-prices-deletions.js';

const InventoryAccepted = Type.Object({
  summary: Summary,
  acceptedRows: Type.Array(Type.Object({
    rowIndex: Type.Integer(), target: Type.Union([Type.Literal('product'), Type.Literal('variant')]),
    id: Type.String({ format: 'uuid', description: 'the product; for a variant, the product it belongs to (seed 002)' }),
    externalId: Type.Optional(Type.String({ description: 'the product\'s externalId (a variant\'s row: its product\'s)' })),
    sku: Type.Optional(Type.String({ description: 'the SKU, for a row that named its target by SKU and for every variant\'s row' })),
  })),
  errors: Type.Array(RowErrorSchema(acceptedRequestRowCodes.inventory)),
  batchId: Type.String({ format: 'uuid' }),
});

const bulkErrors = errorResponsesFor(storeRoute, bulkRequest);

const rowsNote = `At most ${MAX_ROWS_PER_REQUEST} rows per request (PRD_006 above). Each row is checked at once: refused rows come back in data.errors, accepted rows are processed asynchronously; track them with GET /api/v1/partner/stores/batches/{batchId}. Send an Idempotency-Key header to make retries safe.`;

/** The async pipeline: catalog sync, bulk products, bulk inventory, batch tracking. */
export async function bulkRoutes(app: FastifyInstance, deps: AppDeps) {
  const principal = (request: FastifyRequest) => ({ storeId: storeOf(request).storeId, partnerId: storeOf(request).partnerId });

  const syncBody = bulkBody('products', SimpleProductInput, 'Simple products to create');
  app.post('/api/v1/partner/stores/catalog/sync', {
    config: { auth: 'store' }, validatorCompiler: syncBody.validatorCompiler,
    schema: {
      tags: ['catalog'], summary: 'Catalog sync: create simple products (creation only, async)',
      description: `Creates products; a row whose externalId or sku already exists in the store fails with PRD_002/PRD_003 and never overwrites. ${rowsNote}`,
      headers: IdempotencyHeader, body: syncBody.body,
      response: { 200: Envelope(ProductAccepted(acceptedRequestRowCodes.catalogSync)) }, errors: bulkErrors,
    },
  }, (request, reply) => accept(deps, request, reply, 'Catalog sync request accepted',
    (tx) => acceptProductRows(tx, principal(request), originOf(request), takeRows(request, 'products'), 'sync', request.rawBody)));

  const bulkProductsBody = bulkBody('products', BulkProductInput, 'Simple products to create or update');
  app.post('/api/v1/partner/stores/products/bulk', {
    config: { auth: 'store' }, validatorCompiler: bulkProductsBody.validatorCompiler,
    schema: {
      tags: ['products'], summary: 'Create or update simple products (async)',
      description: `A row without id creates a product; its externalId must be new (else PRD_002, as published). A row with the id of an existing simple product of the store (and its externalId) updates that product: it sends the required fields as a new row does (externalId, name, sku, price), and of the optional ones only those sent change; a stored specialPrice the row leaves must stay below its price (else PRD_008, as in PATCH). ${rowsNote}`,
      headers: IdempotencyHeader, body: bulkProductsBody.body,
      response: { 200: Envelope(ProductAccepted(acceptedRequestRowCodes.productsBulk)) }, errors: bulkErrors,
    },
  }, (request, reply) => accept(deps, request, reply, 'Products processed',
    (tx) => acceptProductRows(tx, principal(request), originOf(request), takeRows(request, 'products'), 'bulk', request.rawBody)));

  const inventoryBody = bulkBody('items', InventoryItem, 'Stock updates');
  app.patch('/api/v1/partner/stores/inventory', {
    config: { auth: 'store' }, validatorCompiler: inventoryBody.validatorCompiler,
    schema: {
      tags: ['inventory'], summary: 'Update stock of products and variants (async, applied in acceptance order)',
      description: `Each item names exactly one of sku, id or externalId and resolves to a product or a variant. stock alone sets global stock (on every warehouse when the store has several); warehouses as clientIds take the item stock, as {clientId, stock} set each. A later accepted request always wins over an earlier one. Emits stock.update.requested per accepted row. ${rowsNote}`,
      headers: IdempotencyHeader, body: inventoryBody.body,
      response: { 200: Envelope(InventoryAccepted) }, errors: bulkErrors,
    },
  }, (request, reply) => accept(deps, request, reply, 'Stock update completed successfully',
    (tx) => acceptStockRows(tx, principal(request), originOf(request), (request.body as any).items)));

  await app.register(batchRoutes, deps);
  await app.register(catalogMaintenanceRoutes, deps);
}
