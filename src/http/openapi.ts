import { STATUS_CODES } from 'node:http';
import type { SwaggerOptions } from '@fastify/swagger';
import { ALWAYS_PRESENT, declaredErrorCodes, errorResponsesFor } from './error-responses.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { Config } from '../config.js';

type Operation = {
  operationId?: string;
  parameters?: { in: string; name?: string; required?: boolean; schema?: { default?: unknown } }[];
  responses?: Record<string, { description?: string; headers?: Record<string, Header>; content?: Record<string, { schema?: { description?: string } }> }>;
};
type Document = { paths?: Record<string, Record<string, Operation>>; servers?: { url: string }[] };
type Header = { description: string; schema: { type: 'string'; format?: string } };

/** Headers the error handler and the routes set, which no route schema can declare (the generator reads none). */
const REQUEST_ID: Header = {
  description: 'the request\'s id, as the envelope\'s requestId, except on an Idempotency-Key replay, whose body keeps the first request\'s (Omni\'s own; a caller\'s x-request-id is only logged)',
  schema: { type: 'string', format: 'uuid' },
};
const REPLAYED: Header = { description: '"true" when the answer is the first response to this Idempotency-Key, replayed; absent otherwise', schema: { type: 'string' } };
const LOCATION: Header = { description: 'where the answer sends the client (a presigned URL, the next page)', schema: { type: 'string', format: 'uri' } };
const ATTACHMENT: Header = { description: 'attachment; filename="products.ndjson" or "products.csv"', schema: { type: 'string' } };
/** The operations answering an export's file (routes/pim/exports.ts, export-files.ts). */
const WITH_ATTACHMENT = new Set(['get /api/v1/pim/exports/{id}/download', 'get /exports/{storeId}/{exportId}/{file}']);
const ETAG: Header = { description: 'the product\'s version, e.g. "3": send it as If-Match to PATCH only that version', schema: { type: 'string' } };
const RETRY_AFTER: Header = { description: 'seconds to wait before trying again', schema: { type: 'string' } };
const AUTHENTICATE: Header = {
  description: 'the scheme to authenticate with (RFC 9110 11.6.1): `Bearer realm="omni-pim"` on PIM routes, with `error="invalid_token"` '
    + 'or `error="invalid_request"` (RFC 6750 3.1), `Omni-HMAC-SHA256 realm="omni-partner"` on Partner routes (docs/partner-auth.md)',
  schema: { type: 'string' },
};
/** The operations answering a product with its ETag (routes/products/index.ts). */
const WITH_ETAG = new Set(['get /api/v1/partner/stores/products/{productId}', 'patch /api/v1/partner/stores/products/{productId}', 'get /api/v1/partner/stores/products/sku/{sku}']);

/**
 * The options of @fastify/swagger: the document /openapi.json and /docs serve, generated
 * from the route schemas. `transformObject` finishes what the generator leaves out.
 */
export function openApiOptions(config: Pick<Config, 'publicBaseUrl'>): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Omni API',
        version: '1.0.0',
        description: 'Partner API (HMAC-signed, store-scoped: docs/partner-auth.md) and PIM API (Bearer token with X-Tenant-ID and X-Org-ID). '
          + 'Every response is an envelope; an error\'s `error.code` is listed in docs/errors.md.',
      },
      servers: [{ url: config.publicBaseUrl }],
      components: {
        securitySchemes: {
          partnerSignature: {
            type: 'apiKey', in: 'header', name: 'x-signature',
            description: 'sha256=<hex> HMAC-SHA256, keyed with the partner secret, of METHOD\\nPATH-without-/api/v1[?raw query]\\n'
              + 'x-partner-client-id:…\\n[x-store-client-id:…\\n][x-store-token:…\\n]x-timestamp:…\\nsha256-hex(raw body). '
              + 'The SDK (src/sdk) signs; docs/partner-auth.md has the details and test vectors.',
          },
          pimBearer: {
            type: 'http', scheme: 'bearer',
            description: 'A PIM token (`omni admin token create`); every PIM request also sends X-Tenant-ID and X-Org-ID.',
          },
        },
      },
    },
    // A route's error responses (schema.errors, error-responses.ts) join its responses here only,
    // with REQ_006 where the path has parameters: a malformed percent-escape or an over-long value
    // in one is refused before routing (plugins/error-handler.ts), so no route declares it.
    transform: ({ schema, url }) => {
      if (!schema?.errors) return { schema, url };
      const { errors: declared, ...rest } = schema;
      const errors = url.includes(':')
        ? errorResponsesFor(Object.values(declared).flatMap((e) => (declaredErrorCodes(e) ?? []) as ErrorCode[]), ['REQ_006'])
        : declared;
      return { schema: { ...rest, response: { ...(rest.response as object), ...errors } } as typeof schema, url };
    },
    // The server as the document is first asked for: with PORT=0 the address is known only once
    // the server listens (server.ts sets publicBaseUrl then; the document said :0).
    transformObject: (documentObject) => completeDocument({ ...(documentObject as { openapiObject: Document }).openapiObject, servers: [{ url: config.publicBaseUrl }] }) as object,
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  };
}

/**
 * - operationId for every operation (client generators name methods after it): the method
 *   and the path, e.g. getPartnerStoresProductsByProductId, unless the route gave one.
 * - A parameter with a default is optional: TypeBox lists a property with a default as
 *   required (the handler always sees a value), and the generator copied that, so a client
 *   generated from the document had to send page, limit, sortBy...
 * - A success response without a description of its own is named by its status ("OK"), not "Default Response".
 * - Every response names its x-request-id header; a product's 200 its ETag; a 429 or 503 its Retry-After;
 *   a 200 of an operation taking an Idempotency-Key its idempotent-replayed; a redirect its Location;
 *   an export file's 200 its content-disposition (QA: each was sent and not described).
 * - A response's description is not repeated in its schema: the generator copies it there, and
 *   an error response's description lists its codes, which its schema's enum already holds.
 */
export function completeDocument(doc: Document): Document {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      op.operationId ??= operationId(method, path);
      for (const p of op.parameters ?? []) if (p.in !== 'path' && p.schema?.default !== undefined) p.required = false;
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (response.description === 'Default Response') response.description = STATUS_CODES[status] ?? 'Success';
        const idempotent = (op.parameters ?? []).some((p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key');
        response.headers = { ...response.headers, 'x-request-id': REQUEST_ID,
          ...(status === '200' && WITH_ETAG.has(`${method} ${path}`) ? { ETag: ETAG } : {}),
          ...(status === '200' && idempotent ? { 'idempotent-replayed': REPLAYED } : {}),
          ...(status === '200' && WITH_ATTACHMENT.has(`${method} ${path}`) ? { 'content-disposition': ATTACHMENT } : {}),
          ...(/^3\d\d$/.test(status) ? { Location: LOCATION } : {}),
          ...(status === '429' || status === '503' ? { 'Retry-After': RETRY_AFTER } : {}),
          ...(status === '401' ? { 'WWW-Authenticate': AUTHENTICATE } : {}) };
        for (const media of Object.values(response.content ?? {})) if (media.schema?.description === response.description) delete media.schema!.description;
      }
    }
  }
  requireAlwaysPresent(doc);
  return doc;
}

/**
 * Puts back into `required` the properties marked ALWAYS_PRESENT: optional for the serializer
 * alone, which writes an object's required properties first (a refused row's `details` last, as
 * the seeds show it), they are required in the document and the SDK's types (review: `details?`).
 */
function requireAlwaysPresent(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) { node.forEach(requireAlwaysPresent); return; }
  const o = node as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  for (const [name, schema] of Object.entries(o.properties ?? {})) {
    if (schema?.[ALWAYS_PRESENT]) {
      delete schema[ALWAYS_PRESENT];
      o.required = [...new Set([...(o.required ?? []), name])];
    }
  }
  for (const value of Object.values(o)) requireAlwaysPresent(value);
}

function operationId(method: string, path: string): string {
  const words = path.replace(/^\/api\/v1\//, '/').split('/').filter(Boolean)
    .map((part) => (part.startsWith('{') ? `by-${part.slice(1, -1)}` : part));
  const pascal = words.join('-').split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return method.toLowerCase() + pascal;
}
