import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { Envelope, ok } from '../../envelope.js';
import { errorResponsesFor, jsonBody, pimRoute } from '../../error-responses.js';
import { AppError } from '../../../errors/app-error.js';
import { exportStorage } from '../../../pim/export-storage.js';
import { getExport, requestExport } from '../../../pim/catalog-export.js';
import type { PimPrincipal } from '../../../pim/pim-auth.js';
import { pimHeaders } from './headers.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ExportView = Type.Object({
  id: Type.String({ format: 'uuid' }), status: Type.Union(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s))),
  storage: Nullable(Type.String()), products: Nullable(Type.Integer({ description: 'products written to the files' })),
  blocked_products: Nullable(Type.Integer({
    description: 'products left out: they have an unresolved ERROR validation issue (seed 004: ERROR "blocks publishing or export"; GET /api/v1/pim/validation-issues lists them). Null until COMPLETED, and for exports made before it was counted',
  })),
  error: Nullable(Type.String()), requested_by: Type.String(),
  created_at: Type.String(), completed_at: Nullable(Type.String()),
  download: Nullable(Type.Object({ ndjson: Type.Union([Type.String(), Type.Null()]), csv: Type.Union([Type.String(), Type.Null()]) }, {
    description: 'links that need no token, valid EXPORT_URL_TTL_SECONDS: presigned S3 URLs, or links the API signs (local folder; GET /exports/…)',
  })),
});
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** The export file's answer, as an attachment (the Bearer download and the signed link). */
export const ExportFileResponse = {
  description: 'The export file, as an attachment (products.ndjson or products.csv)',
  content: { 'application/x-ndjson': { schema: Type.String() }, 'text/csv': { schema: Type.String() } },
};
export function sendExportFile(reply: FastifyReply, deps: Pick<AppDeps, 'config' | 'encryptionKey'>, format: 'ndjson' | 'csv', key: string) {
  reply.header('content-type', format === 'csv' ? 'text/csv' : 'application/x-ndjson');
  reply.header('content-disposition', `attachment; filename="products.${format}"`);
  return reply.send(exportStorage(deps.config, deps.encryptionKey).open(key));
}

/** Catalog exports to object storage (the onRequest PIM auth hook of the parent scope applies). */
export async function exportRoutes(app: FastifyInstance, deps: AppDeps) {
  const { sql, config, encryptionKey } = deps;
  const who = (r: { pim?: PimPrincipal }) => r.pim!;
  app.post('/api/v1/pim/exports', {
    schema: {
      tags: ['pim'], summary: 'Export the whole catalog (asynchronous)', headers: pimHeaders,
      description: 'Writes products (with variants and per-warehouse stock) as NDJSON and CSV to the local export folder or the S3 bucket (EXPORT_S3_BUCKET). Products with an unresolved ERROR validation issue are left out and counted (blocked_products). When done, notifies per tenant configuration: an export.completed webhook event and/or an email.',
      response: { 202: Envelope(ExportView) }, errors: errorResponsesFor(pimRoute, jsonBody),
    },
  }, async (request, reply) => {
    const queued = await requestExport(sql, config, encryptionKey, who(request), { requestId: request.id, ip: request.ip });
    return reply.code(202).send(ok(reply, 'Export queued', queued, { dispatch: true }));
  });

  app.get('/api/v1/pim/exports/:id', {
    schema: { tags: ['pim'], summary: 'An export: status and download links', headers: pimHeaders, params: Id, response: { 200: Envelope(ExportView) }, errors: errorResponsesFor(pimRoute, ['PIM_006']) },
  }, async (request, reply) => ok(reply, 'Export retrieved successfully', (await getExport(sql, config, encryptionKey, who(request).storeId, (request.params as { id: string }).id)).view));

  app.get('/api/v1/pim/exports/:id/download', {
    schema: {
      tags: ['pim'], summary: 'Download a finished export from the local folder', headers: pimHeaders, params: Id,
      querystring: Type.Object({ format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }) }),
      response: { 200: ExportFileResponse },
      errors: errorResponsesFor(pimRoute, ['PIM_006', 'PIM_007']),
    },
  }, async (request, reply) => {
    const { row } = await getExport(sql, config, encryptionKey, who(request).storeId, (request.params as { id: string }).id);
    if (row.status !== 'COMPLETED') throw new AppError('PIM_007', { status: row.status });
    const format = (request.query as { format: 'ndjson' | 'csv' }).format;
    return sendExportFile(reply, deps, format, format === 'csv' ? row.csv_key : row.ndjson_key);
  });
}
