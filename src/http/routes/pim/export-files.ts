import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { databaseRoute, errorResponsesFor } from '../../error-responses.js';
import { AppError } from '../../../errors/app-error.js';
import { exportFileKey } from '../../../pim/catalog-export.js';
import { exportLinkKey, verifyExportLink } from '../../../pim/export-links.js';
import { ExportFileResponse, sendExportFile } from './exports.js';

const Params = Type.Object({
  storeId: Type.String({ format: 'uuid' }), exportId: Type.String({ format: 'uuid' }),
  file: Type.Union([Type.Literal('products.ndjson'), Type.Literal('products.csv')]),
});
// Both optional, and expires any text: a link cut short or changed is PIM_008 with its reason, whose
// hint (ask for fresh links) is what mends it; the schema answered VAL_001 first (error hints QA).
const Signed = Type.Object({
  // Text, not a coerced integer: the signature covers these characters as the link has them.
  expires: Type.Optional(Type.String({ maxLength: 20, description: 'Unix time (s) the link expires' })),
  signature: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });

/**
 * Local export files behind signed links (src/pim/export-links.ts): no Bearer token or PIM
 * headers, so registered outside the PIM scope and its auth hook; the link is the credential.
 */
export async function exportFileRoutes(app: FastifyInstance, deps: AppDeps) {
  const linkKey = exportLinkKey(deps.encryptionKey);
  app.get('/exports/:storeId/:exportId/:file', {
    schema: {
      tags: ['pim'], summary: 'Download an export file of the local folder through its signed link',
      description: 'The link comes from GET /api/v1/pim/exports/{id} (download) or the export email; it opens this one file until `expires`, without a token. A changed or expired link is PIM_008.',
      params: Params, querystring: Signed,
      response: { 200: ExportFileResponse }, errors: errorResponsesFor(databaseRoute, ['PIM_006', 'PIM_007', 'PIM_008', 'PIM_009', 'PIM_010', 'PIM_011']),
    },
  }, async (request, reply) => {
    const { storeId, exportId, file } = request.params as { storeId: string; exportId: string; file: 'products.ndjson' | 'products.csv' };
    const { expires, signature } = request.query as { expires?: string; signature?: string };
    if (expires === undefined || signature === undefined) {
      throw new AppError('PIM_008', { reason: `the link is incomplete: it has no ${expires === undefined ? 'expires' : 'signature'} (copy the whole link)` });
    }
    verifyExportLink(linkKey, `${storeId}/${exportId}/${file}`, expires, signature);
    const format = file === 'products.csv' ? 'csv' : 'ndjson';
    return sendExportFile(reply, deps, format, await exportFileKey(deps.sql, deps.config, storeId, exportId, format));
  });
}
