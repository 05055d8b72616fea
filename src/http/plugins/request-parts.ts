import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { unstorableCharacterErrors } from '../validation/unstorable-characters.js';
import { otherMethodsAt } from './route-methods.js';

/**
 * Checks of the request's parts that route schemas cannot make, after authentication (an
 * unauthenticated caller learns nothing from them) and before validation:
 *
 * - Path parameters, query values and JSON bodies holding what PostgreSQL cannot store (`%00`,
 *   the NUL character; a lone surrogate) are VAL_001 naming each one: a batch id, a SKU, a sid
 *   or a search text holding one reached a query and failed there, a 500.
 * - A query value whose percent-encoding is no UTF-8 (`q=%E4pfel`, latin1's "ä") is VAL_001 naming
 *   it: the parser kept it as the text `%E4pfel`, and the search answered nothing (Unicode QA), where
 *   the same in a path is REQ_006 and in a body REQ_001.
 * - A route that takes a JSON body, called without one (no body, no content type), is REQ_005
 *   as an empty body with its content type is: its validation said "body must be either
 *   object or array".
 * - An API operation that takes no query parameters, sent some, is VAL_001 naming them.
 * - An API operation that takes no body, sent one that says something, is VAL_001 naming it:
 *   it was ignored, so `{"keepPreviousHours": 48}` sent to rotate-secret (a query parameter)
 *   did nothing without a word. `{}` passes (clients send it for "no body"). The seller's form
 *   pages and routes that declare no errors are left alone.
 * - A path that is another method's route, sent with a method whose route there has a path
 *   parameter (GET /products/prices reached GET /products/{productId}, PATCH /products/bulk the
 *   PATCH of a product), is REQ_004 as any path without the method, naming the methods it takes:
 *   it was VAL_001 on a productId the caller never meant to send (QA).
 * - A uuid path parameter goes on as PostgreSQL writes a uuid, in lower case: its case means
 *   nothing, and one sent in upper case went on as text where it was used (a job key, a webhook's
 *   payload, an audit row, the PATCH's answer, a comparison in JavaScript), naming the same
 *   delivery or product apart from its other spelling (QA).
 */
export function registerRequestPartChecks(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.url?.includes(':')) {
      const path = request.url.split('?')[0];
      const allowedMethods = otherMethodsAt(app, path, request.method);
      if (allowedMethods.length > 0) throw new AppError('REQ_004', { method: request.method, path, allowedMethods });
    }
    for (const name of uuidParams(request.routeOptions.schema?.params)) {
      const p = request.params as Record<string, unknown>;
      if (typeof p[name] === 'string') p[name] = (p[name] as string).toLowerCase();
    }
    const params = unstorableCharacterErrors(request.params);
    const querystring = undecodableQueryValues(request.url) ?? unstorableCharacterErrors(request.query);
    if (params || querystring) {
      throw new AppError('VAL_001', { validationErrors: { ...(params ? { params } : {}), ...(querystring ? { querystring } : {}) } });
    }
    // A JSON body's (json-body.ts flagged it), as it was refused before authentication until 2026-12-06.
    const inBody = request.mayHoldUnstorable ? unstorableCharacterErrors(request.body) : null;
    if (inBody) throw new AppError('VAL_001', { validationErrors: inBody });
    const schema = request.routeOptions.schema;
    // An API operation that takes no query parameters, sent some: VAL_001 naming them, as the
    // operations that take some refuse one they do not know (`GET /api/v1/audit?limit=5` answered
    // its 100 events as if nothing had been asked).
    if (schema?.errors && !schema.querystring) {
      const unknown = Object.keys((request.query ?? {}) as object);
      if (unknown.length > 0) throw new AppError('VAL_001', { validationErrors: { querystring: Object.fromEntries(unknown.map((k) => [k, `property ${k} should not exist`])) } });
    }
    if (request.body === undefined && request.rawBody === undefined && schema?.body) throw new AppError('REQ_005', {});
    if (request.body !== undefined && schema?.errors && !schema.body) {
      const unexpected = unexpectedBody(request.body);
      if (unexpected) throw new AppError('VAL_001', { validationErrors: unexpected });
    }
  });
}

const uuidParamNames = new WeakMap<object, string[]>();
/** The names of a route's path parameters of format uuid (worked out once a route). */
function uuidParams(schema: unknown): string[] {
  if (!schema || typeof schema !== 'object') return [];
  let names = uuidParamNames.get(schema);
  if (!names) {
    const properties = ((schema as { properties?: Record<string, { format?: string }> }).properties ?? {});
    names = Object.keys(properties).filter((k) => properties[k]?.format === 'uuid');
    uuidParamNames.set(schema, names);
  }
  return names;
}

/** What a body sent to an operation that takes none says, as VAL_001 tells it; null for none or `{}`. */
function unexpectedBody(body: unknown): Record<string, string> | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body: 'body must be empty ({} or none): this operation takes no body' };
  const keys = Object.keys(body);
  return keys.length === 0 ? null : Object.fromEntries(keys.map((k) => [k, `property ${k} should not exist`]));
}

/** The query's names and values that do not decode (a `%` escape of bytes that are no UTF-8), each named; null when all do. */
function undecodableQueryValues(url: string): Record<string, string> | null {
  const at = url.indexOf('?');
  if (at < 0 || !url.includes('%', at)) return null;
  let errors: Record<string, string> | null = null;
  for (const pair of url.slice(at + 1).split('&')) {
    const [name, value = ''] = pair.split(/=(.*)/s);
    const key = decodedQueryPart(name);
    if (key === undefined || decodedQueryPart(value) === undefined) {
      (errors ??= Object.create(null) as Record<string, string>)[key ?? name] = `${key ?? name} is not percent-encoded UTF-8 (encode the text as UTF-8, then each byte as %XX)`;
    }
  }
  return errors;
}

const decodedQueryPart = (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return undefined; } };
