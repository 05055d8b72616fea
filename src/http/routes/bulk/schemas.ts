import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { bodyAjv } from '../../validation/ajv.js';
import { compileRequestPart } from '../../validation/decimal-integers.js';
import { MAX_ROWS_PER_REQUEST } from '../../../catalog/product-rows.js';
import type { ErrorCode } from '../../../errors/catalogue.js';
import { RowErrorSchema } from '../../error-responses.js';

/**
 * Bulk bodies are checked in two steps: the route checks only the envelope
 * ({products: [...]}; anything else is VAL_001 as a whole), and the service
 * checks each row, so one bad row never rejects the good ones. The OpenAPI
 * document still shows the full row schema.
 */
export function bulkBody(field: string, row: TSchema, description: string) {
  const documented = Type.Object({ [field]: Type.Array(row, { minItems: 1, maxItems: MAX_ROWS_PER_REQUEST }) }, { additionalProperties: false, description });
  const envelope = bodyAjv.compile(Type.Object({ [field]: Type.Array(Type.Unknown(), { minItems: 1 }) }, { additionalProperties: false }));
  const validatorCompiler: FastifySchemaCompiler<any> = ({ httpPart, schema }) => (httpPart === "body" ? envelope : compileRequestPart(schema as object)) as any;
  return { body: documented, validatorCompiler };
}

export const Summary = Type.Object({
  total: Type.Integer(), failed: Type.Integer({ description: 'rows refused at once' }), pending: Type.Integer({ description: 'rows accepted for processing' }),
});

export const ProductAcceptedRow = Type.Object({ rowIndex: Type.Integer(), externalId: Type.String(), sku: Type.String() });

/** What a products endpoint answers: its rows refused at once carry one of `rowCodes`. */
export const ProductAccepted = (rowCodes: readonly ErrorCode[]) => Type.Object({
  batchId: Type.String({ description: 'pb_<uuid>; GET /api/v1/partner/stores/batches/{batchId} tracks it' }),
  summary: Summary,
  acceptedRows: Type.Array(ProductAcceptedRow),
  errors: Type.Array(RowErrorSchema(rowCodes)),
});

export const IdempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Retry-safe key of 1 to 255 visible ASCII characters (else IDEM_002): the same key and body replay the first response' })),
});
