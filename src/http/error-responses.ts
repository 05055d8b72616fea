import { Type, type TSchema } from '@sinclair/typebox';
import { STATUS_CODES } from 'node:http';
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js';

/**
 * The error codes a route can answer, declared beside its response schema (`schema.errors`): the
 * OpenAPI document lists them per operation, and under the test suite the error handler refuses
 * any other (plugins/declared-errors.ts), so every error path a test reaches proves its route's list.
 */
declare module 'fastify' {
  interface FastifySchema {
    /**
     * Error responses by status (errorResponsesFor), for the document (openapi.ts merges them
     * into the operation's responses) and the test guard. Not in `response`: the error handler
     * writes the envelope itself, and Fastify would compile a serializer for each status of
     * each route at every start for answers that never use it.
     */
    errors?: Record<number, unknown>;
  }
}

/**
 * Every route: a query or path parameter the schema (or PostgreSQL: NUL) refuses, a failure of our
 * own, SYS_002 for a request that arrives while the server shuts down (app.ts), and what Node
 * refuses before routing: a request not arrived in time, headers too large, malformed HTTP
 * (plugins/client-errors.ts).
 */
export const anyRoute = ['VAL_001', 'SYS_001', 'SYS_002', 'REQ_007', 'REQ_008', 'REQ_009'] as const satisfies readonly ErrorCode[];
/** A route that reads or writes the database: unreachable or migrating (503, SYS_002 as any route's). */
export const databaseRoute = [...anyRoute] as const satisfies readonly ErrorCode[];

/** Partner HMAC authentication (src/auth/partner-auth.ts), partner-scoped: store headers are refused; the partner's request limit. */
export const partnerRoute = [...databaseRoute, 'AUTH_001', 'AUTH_002', 'AUTH_003', 'AUTH_004', 'AUTH_005', 'AUTH_010', 'REQ_010'] as const satisfies readonly ErrorCode[];
/** Partner HMAC authentication, store-scoped: the store token must be valid for the store. */
export const storeRoute = [...databaseRoute, 'AUTH_001', 'AUTH_002', 'AUTH_003', 'AUTH_005', 'AUTH_010', 'AUTH_014', 'REQ_010'] as const satisfies readonly ErrorCode[];
/** PIM bearer token, organization and tenant (src/pim/pim-auth.ts). */
export const pimRoute = [...databaseRoute, 'PIM_001', 'PIM_002', 'PIM_003', 'PIM_011'] as const satisfies readonly ErrorCode[];

/**
 * A method that may carry a body (POST, PATCH, DELETE) on a route that takes none: Fastify parses
 * any body sent, so such a route answers a malformed, oversized or non-JSON one; an empty one is
 * no body (REQ_005 is a route's that takes one: plugins/json-body.ts).
 */
export const ignoredBody = ['REQ_001', 'REQ_002', 'REQ_003'] as const satisfies readonly ErrorCode[];
/** A route that takes a JSON body: also refuses an empty one. */
export const jsonBody = [...ignoredBody, 'REQ_005'] as const satisfies readonly ErrorCode[];
/** The accepting bulk endpoints: the row limit and the Idempotency-Key. */
export const bulkRequest = [...jsonBody, 'PRD_006', 'IDEM_001', 'IDEM_002'] as const satisfies readonly ErrorCode[];

/** Stock placement (inventory/warehouse-rules.ts) of a product, and of a variant. */
export const productStockRules = ['WHS_001', 'WHS_002', 'WHS_003', 'WHS_004', 'WHS_006', 'WHS_007'] as const satisfies readonly ErrorCode[];
export const variantStockRules = ['WHS_001', 'WHS_003', 'WHS_004', 'WHS_005', 'WHS_006', 'WHS_007'] as const satisfies readonly ErrorCode[];

/** The codes of `lists`, each once, in order. */
export const sortedUnique = (lists: (readonly ErrorCode[])[]): ErrorCode[] => [...new Set(lists.flat())].sort();
const codeEnum = (codes: readonly ErrorCode[]) => ({ type: 'string', enum: codes });

/**
 * The error responses of a route that answers `codes`: one per HTTP status among them, the
 * ErrorEnvelope with `error.code` narrowed to that status's codes (a generated client gets the
 * union), described by the codes and their messages.
 */
export function errorResponsesFor(...lists: (readonly ErrorCode[])[]): Record<number, TSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of sortedUnique(lists)) {
    const { status } = errorCatalogue[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [status, Type.Unsafe({
    description: `${STATUS_CODES[status]}: ${codes.map((c) => `${c} (${errorCatalogue[c].message})`).join(', ')}`,
    allOf: [Type.Ref('ErrorEnvelope'), { type: 'object', properties: { error: { type: 'object', properties: { code: codeEnum(codes) } } } }],
  })]));
}

/** The codes a response schema built by errorResponsesFor declares; undefined for any other schema. */
export function declaredErrorCodes(schema: unknown): readonly string[] | undefined {
  return (schema as { allOf?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }[] } | undefined)
    ?.allOf?.[1]?.properties?.error?.properties?.code?.enum;
}

/** The marker of a property always sent though its schema says optional: the document requires it (openapi.ts). */
export const ALWAYS_PRESENT = 'x-always-present';

/** A row refused at once by a bulk endpoint (data.errors[]): its code is one of `codes`. */
export function RowErrorSchema(...lists: (readonly ErrorCode[])[]) {
  return Type.Object({
    code: Type.Unsafe<ErrorCode>(codeEnum(sortedUnique(lists))),
    message: Type.String(),
    rowIndex: Type.Integer(),
    id: Type.Optional(Type.String()),
    externalId: Type.Optional(Type.String()),
    sku: Type.Optional(Type.String()),
    // Always sent; optional here only so that it is written last, as the seeds show it (001, 002):
    // fast-json-stringify writes an object's required properties before its optional ones (QA).
    // The document requires it again (openapi.ts, ALWAYS_PRESENT).
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { [ALWAYS_PRESENT]: true })),
  }, { description: 'A row refused at once; nothing of it is written' });
}

/** The row codes a success schema with data.errors[] (RowErrorSchema) declares. */
export function declaredRowCodes(schema: unknown): readonly string[] | undefined {
  return (schema as { properties?: { data?: { properties?: { errors?: { items?: { properties?: { code?: { enum?: string[] } } } } } } } } | undefined)
    ?.properties?.data?.properties?.errors?.items?.properties?.code?.enum;
}
