import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { AfterCursor, cursorPageMeta, CursorPageMeta, Envelope, ok, PageNumber, paginationMeta } from '../../envelope.js';
import { errorResponsesFor, storeRoute } from '../../error-responses.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { AppError } from '../../../errors/app-error.js';
import { BATCH_KINDS, readBatch } from '../../../batches/batch-store.js';
import { listBatches, type BatchFilter } from '../../../batches/batch-list.js';
import { UUID } from '../../../db/key-lookup.js';
import type { ErrorCode } from '../../../errors/catalogue.js';
import { batchRowCodes } from '../../row-codes.js';

// What each kind's succeeded row says (a stock row only what its batch stores, so that
// applying it needs no lookup: its externalId and sku are in the accepting response).
const RESULT_BY_KIND = 'for a succeeded row, what was written, by kind: catalog.sync, products.bulk: {id, externalId, sku, action}; '
  + 'catalog.variants.sync, products.variants.bulk: {id, externalId, action, variants: [{sku, id}]} (action since 2026-12-05); '
  + 'inventory: {target, id} and products.prices: {target, id} (target product or variant, id its own id: a variant\'s, where the acceptedRows of the accepting response name its product\'s id and externalId and the variant\'s sku, as seed 002 does); '
  + 'products.deletions: {id}';

const Status = Type.Union(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s)), {
  description: 'COMPLETED: every row has its outcome and one at least succeeded; FAILED: none succeeded, or processing gave up '
    + '(the rows it had not applied then failed BAT_003, the others keep their outcome)',
});
const BatchFields = {
  batchId: Type.String(),
  requestId: Type.String({ format: 'uuid' }),
  kind: Type.String({ examples: ['catalog.sync', 'products.bulk', 'inventory'] }),
  status: Status,
  summary: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer(), pending: Type.Integer() }),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};
// One type of two (not anyOf): the serializer then writes a code as it is, as it did before the
// list, and never fails a batch whose rows an earlier version recorded with a code it lacks.
const RowCode = Type.Unsafe<ErrorCode | null>({
  type: ['string', 'null'], enum: [...batchRowCodes, null],
  description: 'A failed row\'s code (docs/errors.md): refused at acceptance, or when it was processed; null while pending and once succeeded',
});
const Batch = Type.Object({
  ...BatchFields,
  rows: Type.Array(Type.Object({
    rowIndex: Type.Integer(),
    status: Type.Union(['PENDING', 'SUCCEEDED', 'FAILED'].map((s) => Type.Literal(s))),
    code: RowCode,
    message: Type.Union([Type.String(), Type.Null()]),
    details: Type.Unknown(),
    result: Type.Unknown({ description: RESULT_BY_KIND }),
  }), { description: 'one page of rows, by rowIndex' }),
});
// Ids in the path are any text: one that is malformed names no batch, and is answered
// BAT_001 / BAT_002 (404) like any unknown id, not VAL_001.
const BatchIdParams = Type.Object({ batchId: Type.String({ description: 'the batchId of the accepting call' }) });
const RequestIdParams = Type.Object({ requestId: Type.String({ description: 'the requestId of the accepting call (a uuid)' }) });

const ListQuery = Type.Object({
  status: Type.Optional(Status),
  kind: Type.Optional(Type.Union(BATCH_KINDS.map((k) => Type.Literal(k)))),
  page: PageNumber(),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  after: AfterCursor(),
}, { additionalProperties: false });

const Page = Type.Object({
  page: PageNumber(),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
}, { additionalProperties: false });

/** Tracking of async requests: by batchId or by the requestId of the accepting call. */
export async function batchRoutes(app: FastifyInstance, { sql }: AppDeps) {
  const byBatchId = { response: { 200: Envelope(Batch) }, errors: errorResponsesFor(storeRoute, ['BAT_001']) };
  const byRequestId = { response: { 200: Envelope(Batch) }, errors: errorResponsesFor(storeRoute, ['BAT_002']) };
  // Stripe-like listing, in this API's paging: what a partner's dashboard or a recovery
  // script asks first ("which of my batches failed?"), without knowing their ids.
  app.get('/api/v1/partner/stores/batches', {
    config: { auth: 'store' },
    schema: {
      tags: ['batches'], summary: "The batches you sent to the store, newest accepted first (status, counts, times; rows by batchId)",
      querystring: ListQuery, response: { 200: Envelope(Type.Array(Type.Object(BatchFields)), CursorPageMeta()) }, errors: errorResponsesFor(storeRoute),
    },
  }, async (request, reply) => {
    const { page, limit, after, ...filter } = request.query as BatchFilter & { page: number; limit: number; after?: string };
    const { items, total, nextCursor } = await listBatches(sql, storeOf(request), filter, page, limit, after);
    return ok(reply, 'Batches retrieved successfully', items, cursorPageMeta({ page, limit }, total, nextCursor));
  });

  app.get('/api/v1/partner/stores/batches/:batchId', {
    config: { auth: 'store' },
    schema: { tags: ['batches'], summary: 'A batch: status, counts, timestamps and its rows (paginated)', params: BatchIdParams, querystring: Page, ...byBatchId },
  }, async (request, reply) => {
    const { batchId } = request.params as { batchId: string };
    const { page, limit } = request.query as { page: number; limit: number };
    const found = await readBatch(sql, storeOf(request), { batchId }, page, limit);
    if (!found) throw new AppError('BAT_001', { batchId });
    return ok(reply, 'Batch retrieved successfully', found.view, paginationMeta({ page, limit }, found.total));
  });

  const byRequest = async (request: any, reply: any) => {
    const { requestId } = request.params as { requestId: string };
    const { page, limit } = request.query as { page: number; limit: number };
    // request_id is a uuid column: text that is not one could only fail its cast.
    const found = UUID.test(requestId) ? await readBatch(sql, storeOf(request), { requestId }, page, limit) : null;
    if (!found) throw new AppError('BAT_002', { requestId });
    return ok(reply, 'Batch retrieved successfully', found.view, paginationMeta({ page, limit }, found.total));
  };
  // Both spellings: under batches/ and directly under the store.
  for (const path of ['/api/v1/partner/stores/batches/requests/:requestId', '/api/v1/partner/stores/requests/:requestId']) {
    app.get(path, {
      config: { auth: 'store' },
      schema: { tags: ['batches'], summary: 'The batch created by an accepted request, by its requestId', params: RequestIdParams, querystring: Page, ...byRequestId },
    }, byRequest);
  }

  // The published reference's "catalog request status": by batchId or by requestId.
  app.get('/api/v1/partner/stores/catalog/:id', {
    config: { auth: 'store' },
    schema: {
      tags: ['catalog'], summary: 'A catalog request: its batch by batchId or requestId', querystring: Page, ...byBatchId,
      params: Type.Object({ id: Type.String({ description: 'a batchId or a requestId' }) }),
      // REQ_004: GET /catalog/sync, the path of a POST (plugins/request-parts.ts).
      errors: errorResponsesFor(storeRoute, ['BAT_001', 'REQ_004']),
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const { page, limit } = request.query as { page: number; limit: number };
    const reader = storeOf(request);
    const found = await readBatch(sql, reader, { batchId: id }, page, limit) ?? (UUID.test(id) ? await readBatch(sql, reader, { requestId: id }, page, limit) : null);
    if (!found) throw new AppError('BAT_001', { id });
    return ok(reply, 'Batch retrieved successfully', found.view, paginationMeta({ page, limit }, found.total));
  });
}
