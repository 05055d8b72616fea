import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { AfterCursor, cursorPageMeta, CursorPageMeta, Envelope, ok, PageNumber } from '../../envelope.js';
import { errorResponsesFor, jsonBody, pimRoute } from '../../error-responses.js';
import { authenticatePim, requireEditor, type PimPrincipal } from '../../../pim/pim-auth.js';
import { createBulkJob, getBulkJob, LISTED_PAGE_PAYLOAD_BYTES, LISTED_PAYLOAD_BYTES, listBulkJobs, listedJobType, type JobType } from '../../../pim/bulk-jobs.js';
import { MAX_ITEM_ERRORS } from '../../../pim/bulk-job-processing.js';
import { listAudit, listValidationIssues, VALIDATION_ISSUE_CODES } from '../../../pim/pim-reads.js';
import { exportRoutes } from './exports.js';
import { pimProductRoutes } from './products.js';
import { pimHeaders } from './headers.js';
import { IdempotencyHeader } from '../bulk/schemas.js';
import { sendIdempotently } from '../bulk/accept.js';
import type { Transaction } from '../../../db/database.js';
import { rawJsonMember } from '../../validation/raw-json-member.js';
import type { ErrorCode } from '../../../errors/catalogue.js';
import { pimItemCodes } from '../../row-codes.js';

declare module 'fastify' {
  interface FastifyRequest { pim?: PimPrincipal }
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const JobTypeSchema = Type.Union([Type.Literal('BULK_IMPORT'), Type.Literal('BULK_UPDATE'), Type.Literal('BULK_DELETE')]);
/** The documented limits, from the constants that set them. */
const KEPT_ERRORS = MAX_ITEM_ERRORS.toLocaleString('en-US');
const PayloadText = 'the payload as sent, as a JSON string: the string itself when it was sent as one, else the JSON text as it stood in the request body';
/** A job's fields, its payload as `payload` says. */
const bulkJobFields = <P extends TSchema>(payload: P) => ({
  id: Type.String({ format: 'uuid' }), job_type: JobTypeSchema,
  status: Type.Union(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s))),
  payload,
  payload_bytes: Type.Integer({ description: "the payload's size in bytes, UTF-8 (of payload as answered: the JSON text, or the string sent)" }),
  total_items: Nullable(Type.Integer({ description: 'set when processing starts' })),
  processed_items: Type.Integer({ description: 'items processed successfully so far' }),
  failed_items: Type.Integer({ description: `items failed so far: GET /api/v1/pim/bulk-jobs/{id} lists them (item_errors: the first ${KEPT_ERRORS})` }),
  created_by: Type.String(), created_at: Type.String({ format: 'date-time' }), started_at: Nullable(Type.String({ format: 'date-time' })), completed_at: Nullable(Type.String({ format: 'date-time' })),
});
/** A job as the list shows it: without its item errors, and without a payload over 256 KiB or past the page's 4 MiB (bulk-jobs.ts). */
const ListedBulkJob = Type.Object(bulkJobFields(Nullable(Type.String({
  description: `${PayloadText}; null in the list when over ${LISTED_PAYLOAD_BYTES / 1024} KiB, or past ${LISTED_PAGE_PAYLOAD_BYTES / 1024 / 1024} MiB of the page's payloads in its order (payload_bytes says its size): GET /api/v1/pim/bulk-jobs/{id} answers it`,
}))));
/** A job with its item errors: as created, and as GET of one job reads it (the list leaves them out). */
const BulkJob = Type.Object({
  ...bulkJobFields(Type.String({ description: PayloadText })),
  item_errors: Type.Array(Type.Object({
    index: Type.Integer(),
    code: Type.Optional(Type.Unsafe<ErrorCode>({
      type: 'string', enum: pimItemCodes, description: 'why the item failed (docs/errors.md); absent on jobs processed before items had codes',
    })),
    error: Type.String({ description: 'why the item failed, in words' }),
  }), { description: `one for each failed item, in the order of the items: the first ${KEPT_ERRORS} failed items (failed_items counts all)` }),
});

const Page = { page: PageNumber(), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), after: AfterCursor() };

/** What an audit event's action is, for the document (README, Decisions: the audit log). */
const AUDIT_ACTIONS = 'product.created, product.updated, product.deleted, variant.updated (one event a product or variant written; details: what changed, and the batch or bulk job); '
  + 'products.created (one event for the simple products a chunk of a partner\'s catalog sync or products/bulk created; details: batchId, created, products: their ids; '
  + 'the with-variants endpoints write product.created a product, with batchId, externalId and variants) and stock.updated (one event a chunk of a partner\'s stock update; details: batchId, rows, products, variants); '
  + 'bulk_job.created (details: bulkJobId, jobType, items) and catalog_export.requested (details: exportId, storage, formats), written with the job or export';

/** The PIM API (seed 004): every route needs a Bearer token, X-Tenant-ID and X-Org-ID. */
export async function pimRoutes(app: FastifyInstance, deps: AppDeps) {
  const { sql } = deps;
  app.addHook('onRequest', async (request) => { request.pim = await authenticatePim(sql, request.headers); });
  // The OpenAPI document names the scheme the hook above enforces on every route of this scope.
  app.addHook('onRoute', (route) => { route.schema = { ...route.schema, security: [{ pimBearer: [] }] }; });
  const who = (r: { pim?: PimPrincipal }) => r.pim!;
  const tags = ['pim'];

  app.post('/api/v1/pim/bulk-jobs', {
    schema: {
      tags, summary: 'Create a bulk job (processed asynchronously)',
      description: 'Needs a user with the editor role (a viewer reads only: 403 PIM_012). payload: a JSON array (as JSON or as a string of JSON): product objects for BULK_IMPORT (title required; description, sku, price, special_price, barcode, photos, category or category_id, brand or brand_id, external_id) and BULK_UPDATE (id required; items naming one product apply in their order), product ids for BULK_DELETE (a repeated id fails as a duplicate item).',
      headers: Type.Composite([pimHeaders, IdempotencyHeader]),
      body: Type.Object({ job_type: JobTypeSchema, payload: Type.Unknown() }, { additionalProperties: false }),
      response: { 200: Envelope(BulkJob) }, errors: errorResponsesFor(pimRoute, jsonBody, ['PIM_005', 'PIM_012', 'IDEM_001', 'IDEM_002']),
    },
  }, async (request, reply) => {
    requireEditor(who(request), 'create a bulk job');
    const body = request.body as { job_type: JobType; payload: unknown };
    const origin = { requestId: request.id, ip: request.ip };
    // A payload sent as JSON (not as a string of it) is kept as its text in the body, as sent.
    const raw = typeof body.payload === 'string' || !request.rawBody ? undefined : rawJsonMember(request.rawBody.toString('utf8'), 'payload');
    // An Idempotency-Key, as on the Partner API's bulk requests: a client that lost the answer
    // (the API died after the commit) and sends again gets the first job, not a second (QA: an
    // import's 30 products created twice). Keys of the tenant's store, apart from its partner's.
    const created = async (tx: Transaction) => ok(reply, 'Bulk job created', await createBulkJob(tx, who(request), body.job_type, body.payload, origin, raw), { dispatch: true });
    // Kept without the job's payload (up to the body limit, in bulk_jobs already), read back on a replay.
    const withoutPayload = {
      keep: (answer: Awaited<ReturnType<typeof created>>) => ({ ...answer, data: { ...answer.data, payload: undefined } }),
      restore: async (kept: unknown, db: typeof sql) => {
        const answer = kept as Awaited<ReturnType<typeof created>>;
        // By its key (store and id: by id alone, a scan), its size too: an answer kept before
        // payload_bytes was answered lacked it, and its replay failed the schema (500; review).
        const [job] = await db<{ payload: string; payload_bytes: number }[]>`
          select payload, octet_length(payload) as payload_bytes from bulk_jobs where store_id = ${who(request).storeId} and id = ${answer.data.id}`;
        return { ...answer, data: { ...answer.data, payload: job.payload, payload_bytes: job.payload_bytes } };
      },
    };
    return sendIdempotently(deps, request, reply, { storeId: who(request).storeId, scope: 'pim' }, created, withoutPayload);
  });

  app.get('/api/v1/pim/bulk-jobs', {
    schema: {
      tags, summary: 'Bulk jobs of a type, most recent first', headers: pimHeaders,
      description: 'The type: `type` or `job_type` (one filter, two names; both given must be equal, else VAL_001), BULK_UPDATE when neither is given. '
        + 'Each job as created, without its item_errors (a job of many failed items holds megabytes of them): GET /api/v1/pim/bulk-jobs/{id} answers them.',
      querystring: Type.Object({ type: Type.Optional(JobTypeSchema), job_type: Type.Optional(JobTypeSchema), ...Page }, { additionalProperties: false }),
      response: { 200: Envelope(Type.Array(ListedBulkJob), CursorPageMeta()) }, errors: errorResponsesFor(pimRoute),
    },
  }, async (request, reply) => {
    const q = request.query as { type?: JobType; job_type?: JobType; page: number; limit: number; after?: string };
    const { total, items, nextCursor } = await listBulkJobs(sql, who(request).storeId, listedJobType(q), q.page, q.limit, q.after);
    return ok(reply, 'Bulk jobs retrieved successfully', items, cursorPageMeta(q, total, nextCursor));
  });

  app.get('/api/v1/pim/bulk-jobs/:id', {
    schema: { tags, summary: 'One bulk job with its item errors', headers: pimHeaders, params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: Envelope(BulkJob) }, errors: errorResponsesFor(pimRoute, ['PIM_004']) },
  }, async (request, reply) => ok(reply, 'Bulk job retrieved successfully', await getBulkJob(sql, who(request).storeId, (request.params as { id: string }).id)));

  app.get('/api/v1/pim/validation-issues', {
    schema: {
      tags, summary: 'Unresolved data-quality issues of the tenant, most recent first (paginated; meta.pagination.total counts all that match the filters)', headers: pimHeaders,
      querystring: Type.Object({
        ...Page, limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        severity: Type.Optional(Type.Union([Type.Literal('WARNING'), Type.Literal('ERROR')], { description: 'only this severity (ERROR: the issues that keep a product out of an export)' })),
        code: Type.Optional(Type.Union(VALIDATION_ISSUE_CODES.map((c) => Type.Literal(c)), { description: 'only this rule' })),
        product_id: Type.Optional(Type.String({ format: 'uuid', description: "only this product's" })),
      }, { additionalProperties: false }),
      response: {
        200: Envelope(Type.Array(Type.Object({
          id: Type.String(), code: Type.String(), severity: Type.Union([Type.Literal('WARNING'), Type.Literal('ERROR')]),
          product_id: Type.String(), message: Type.String(), resolved: Type.Boolean(), created_at: Type.String({ format: 'date-time' }),
        })), CursorPageMeta()),
      },
      errors: errorResponsesFor(pimRoute),
    },
  }, async (request, reply) => {
    const q = request.query as { page: number; limit: number; after?: string; severity?: 'WARNING' | 'ERROR'; code?: string; product_id?: string };
    const { total, items, nextCursor } = await listValidationIssues(sql, who(request).storeId, q,
      { severity: q.severity, code: q.code, productId: q.product_id });
    return ok(reply, 'Validation issues retrieved successfully', items, cursorPageMeta(q, total, nextCursor));
  });

  app.get('/api/v1/audit', {
    schema: {
      tags, summary: 'The 100 most recent audit events of the tenant (immutable)', headers: pimHeaders,
      response: {
        200: Envelope(Type.Array(Type.Object({
          id: Type.String(), actor_email: Nullable(Type.String()), actor: Type.String(), actor_type: Type.String(),
          action: Type.String({ description: AUDIT_ACTIONS }),
          resource_type: Type.String({ description: 'product, variant, batch (a partner bulk chunk), bulk_job or catalog_export' }),
          resource_id: Nullable(Type.String({ description: "the resource's UUID; a batch's id as the Partner API names it (seed 001: pb_<uuid> for a product batch, a bare UUID for a stock batch), so that it can be looked up there" })),
          details: Type.Unknown(), request_id: Nullable(Type.String()),
          ip_address: Nullable(Type.String()), created_at: Type.String({ format: 'date-time' }),
        }))),
      },
      errors: errorResponsesFor(pimRoute),
    },
  }, async (request, reply) => ok(reply, 'Audit events retrieved successfully', await listAudit(sql, who(request).storeId)));

  await app.register(exportRoutes, deps);
  await app.register(pimProductRoutes, deps);
}
