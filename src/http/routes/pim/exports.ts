import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { Envelope, ok } from '../../envelope.js';
import { errorResponsesFor, ignoredBody, pimRoute } from '../../error-responses.js';
import { AppError } from '../../../errors/app-error.js';
import { openLocalExportFile } from '../../../pim/export-storage.js';
import { assertDownloadable, exportLinks, getExport, requestExport, storageOfExport } from '../../../pim/catalog-export.js';
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
  created_at: Type.String({ format: 'date-time' }), completed_at: Nullable(Type.String({ format: 'date-time' })),
  download: Nullable(Type.Object({ ndjson: Type.Union([Type.String(), Type.Null()]), csv: Type.Union([Type.String(), Type.Null()]) }, {
    description: 'links that need no token, valid EXPORT_URL_TTL_SECONDS: presigned S3 URLs, or links the API signs (local folder; GET /exports/…); null until COMPLETED, and once its files were deleted',
  })),
  files_deleted_at: Nullable(Type.String({ format: 'date-time', description: 'when its files were deleted: EXPORT_RETENTION_DAYS (30 by default) after it ended; its download is then PIM_010' })),
});
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** The export file's answer, as an attachment (the Bearer download and the signed link). */
export const ExportFileResponse = {
  description: 'The export file, as an attachment (products.ndjson or products.csv)',
  content: { 'application/x-ndjson': { schema: Type.String() }, 'text/csv': { schema: Type.String() } },
};
export async function sendExportFile(reply: FastifyReply, deps: Pick<AppDeps, 'config'>, format: 'ndjson' | 'csv', key: string) {
  const file = await openLocalExportFile(deps.config, key);
  reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
  reply.header('content-disposition', `attachment; filename="products.${format}"`);
  // A store's whole catalog, behind a link that expires: for the one who asked, no shared cache (time QA).
  reply.header('cache-control', 'private, no-store');
  return reply.send(file);
}

/** Catalog exports to object storage (the onRequest PIM auth hook of the parent scope applies). */
export async function exportRoutes(app: FastifyInstance, deps: AppDeps) {
  const { sql, config, encryptionKey } = deps;
  const who = (r: { pim?: PimPrincipal }) => r.pim!;
  app.post('/api/v1/pim/exports', {
    schema: {
      tags: ['pim'], summary: 'Export the whole catalog (asynchronous)', headers: pimHeaders,
      description: 'Writes the catalog to the local export folder or the S3 bucket (EXPORT_S3_BUCKET) as NDJSON, one product a line as the Partner API shows it (with its variants and per-warehouse stock), and as CSV, one row a product of its main columns (id, externalId, sku, name, price, specialPrice, stock, categoryId, brandId, barcode, isArchived, hasVariants, variantCount, updatedAt; UTF-8; text a spreadsheet would take for a formula, first character = + - @ tab or CR, is written after an apostrophe). Products with an unresolved ERROR validation issue are left out and counted (blocked_products). When done, notifies per tenant configuration: an export.completed webhook event and/or an email; an export that failed for good, an export.failed event.',
      response: { 202: Envelope(ExportView) }, errors: errorResponsesFor(pimRoute, ignoredBody),
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
      tags: ['pim'], summary: 'Download a finished export', headers: pimHeaders, params: Id,
      description: 'A local export\'s file; an S3 export redirects (302) to its presigned URL. A running export is PIM_007, a FAILED one PIM_009, one whose file is gone (removed, or the export storage changed since) PIM_010.',
      querystring: Type.Object({ format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }) }, { additionalProperties: false }),
      response: { 200: ExportFileResponse, 302: Type.Null({ description: 'an S3 export: Location is the file\'s presigned URL, valid EXPORT_URL_TTL_SECONDS' }) },
      errors: errorResponsesFor(pimRoute, ['PIM_006', 'PIM_007', 'PIM_009', 'PIM_010']),
    },
  }, async (request, reply) => {
    const { row } = await getExport(sql, config, encryptionKey, who(request).storeId, (request.params as { id: string }).id);
    assertDownloadable(row);
    const format = (request.query as { format: 'ndjson' | 'csv' }).format;
    if (row.storage === 's3') {
      // Presigned for the bucket it was written to; with no bucket configured here, the files cannot be reached from here.
      const storage = storageOfExport(row, config, encryptionKey);
      if (!storage) throw new AppError('PIM_010', { storage: 's3' });
      const links = await exportLinks(storage, { ndjson: row.ndjson_key, csv: row.csv_key });
      return reply.redirect(links[format], 302);
    }
    return sendExportFile(reply, deps, format, format === 'csv' ? row.csv_key : row.ndjson_key);
  });
}
