import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { errorCatalogue, type ErrorCode } from '../../errors/catalogue.js';
import { toValidationTree } from '../validation/validation-errors.js';
import { isDatabaseUnavailable } from '../../db/unavailable.js';
import { checkDeclaredErrors, registerDeclaredRowErrors, undeclaredError } from './declared-errors.js';
import { drainRefusedBody } from './refused-body.js';
import { callerOfRequest } from './request-log.js';
import { methodsMatching } from './route-methods.js';
import { html, linkNotValid } from '../routes/onboarding/pages.js';

export function errorBody(request: FastifyRequest, code: ErrorCode, context: Record<string, unknown>, message?: string) {
  return errorEnvelope(request.id, code, context, message);
}

/** The error envelope of a request `requestId` names: errorBody's, and a request Node refused before Fastify had it (client-errors.ts). */
export function errorEnvelope(requestId: string, code: ErrorCode, context: Record<string, unknown>, message?: string) {
  const def = errorCatalogue[code];
  return {
    success: false as const,
    error: {
      code,
      message: message ?? def.message,
      details: { timestamp: new Date().toISOString(), hint: def.hint, context },
    },
    requestId,
  };
}

/** Fastify's own failures, mapped onto catalogue codes. */
function fromFastifyError(err: FastifyError, bodyLimit: number): [ErrorCode, Record<string, unknown>] | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return ['REQ_001', { reason: err.message }];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return ['REQ_005', {}];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return ['REQ_002', { allowed: ['application/json'] }];
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return ['REQ_003', { limitBytes: bodyLimit }];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return ['REQ_001', { reason: err.message }];
    // A /docs file path @fastify/static refuses (`....//package.json`): no file of the API
    // reference, as its other unknown paths are, not a 500 logged as an error for anyone to cause (QA).
    case 'FST_STATIC_FORBIDDEN_PATH': return ['REQ_004', { path: 'not a file of the API reference' }];
    default: return undefined;
  }
}

/**
 * Errors Fastify meets before it has a route (a path that does not decode, a path parameter
 * over maxParamLength): by default it answers them with its own JSON, not the envelope.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // No route, so none of the app's hooks run: the request id header is set here.
  reply.header('x-request-id', request.id);
  if (sellersLink(request)) return html(reply, 404, linkNotValid());
  reply.status(errorCatalogue.REQ_006.status).send(errorBody(request, 'REQ_006', { reason: err.message }));
}

/**
 * A seller's browser opening a link under /onboard/ that is no page (cut in a percent-escape, a
 * path below the session's): it is answered a page, not the API's JSON REQ_006 or REQ_004 (QA).
 */
const sellersLink = (request: FastifyRequest) => (request.method === 'GET' || request.method === 'HEAD') && request.url.startsWith('/onboard/');

/**
 * A 401's challenge (RFC 9110 11.6.1: a 401 carries WWW-Authenticate; it had none, QA): the PIM's
 * Bearer token (RFC 6750 3: invalid_token when one was sent), the Partner API's signature scheme.
 */
function authChallenge(code: ErrorCode, request: FastifyRequest): string {
  if (code !== 'PIM_001') return 'Omni-HMAC-SHA256 realm="omni-partner"';
  // RFC 6750 3.1: no error code without Bearer credentials (none, or another scheme), invalid_request
  // for a malformed Bearer header, invalid_token for a token unknown, revoked or expired (review).
  const auth = request.headers.authorization;
  if (!auth || !/^bearer(\s|$)/i.test(auth)) return 'Bearer realm="omni-pim"';
  return `Bearer realm="omni-pim", error="${/^bearer\s+\S+$/i.test(auth) ? 'invalid_token' : 'invalid_request'}"`;
}

/** The one place an error becomes a response: the seeds' error envelope, always. */
export function registerErrorHandler(app: FastifyInstance, bodyLimit: number) {
  app.setErrorHandler(async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let code: ErrorCode;
    let context: Record<string, unknown>;
    let message: string | undefined;
    if (err instanceof AppError) {
      code = err.code; context = err.context; message = err.message;
    } else if (err.validation) {
      code = 'VAL_001';
      // The schema validated (the route's, for this part of the request): what it requires.
      const schema = (request.routeOptions.schema as Record<string, any> | undefined)?.[err.validationContext ?? 'body'];
      const tree = toValidationTree(err.validation as any, 'body', 0, schema);
      context = { validationErrors: err.validationContext && err.validationContext !== 'body' ? { [err.validationContext]: tree } : tree };
    } else {
      const mapped = fromFastifyError(err, bodyLimit);
      if (mapped) {
        [code, context] = mapped;
        // A client's mistake of a few times the limit gets its answer; a body far larger does not hold the API.
        if (code === 'REQ_003') await drainRefusedBody(request.raw, Math.max(4 * bodyLimit, 64 * 1024 * 1024));
      } else if (isDatabaseUnavailable(err)) {
        // The database is down or restarting: the request may succeed as it is once it is
        // back, so the client retries (503) rather than reports a bug (500). Its socket path or
        // host stays in the log, not in the answer.
        request.log.warn({ err: { code: err.code, message: err.message } }, 'database unavailable');
        code = 'SYS_002'; context = {};
      } else if (err.code === 'ECONNRESET' && err.message === 'aborted') {
        // Node's body stream when the connection closed before the body arrived: the client went
        // away, or was answered 408 (REQ_007) and closed. No one is left to answer; it was logged
        // as an unhandled error, then a failed request (SYS_001), for each such client (QA).
        request.log.info({ err: { code: err.code, message: err.message } }, 'connection closed before the request body arrived');
        code = 'REQ_009'; context = { reason: 'the connection closed before the request body arrived' };
      } else {
        request.log.error({ err }, 'unhandled error');
        code = 'SYS_001'; context = {};
      }
    }
    if (checkDeclaredErrors) {
      const undeclared = undeclaredError(request, code, errorCatalogue[code].status);
      if (undeclared) { request.log.error(undeclared); context = { undeclared: code }; message = undeclared; code = 'SYS_001'; }
    }
    if (errorCatalogue[code].status >= 500) request.log.warn({ code }, 'request failed');
    else request.log.info({ code, ...callerOfRequest(request) }, 'request refused');
    // RFC 9110's hint for a 503: when to try again (the restarts measured take a few seconds).
    if (code === 'SYS_002') reply.header('retry-after', '5');
    if (code === 'WHK_005') reply.header('retry-after', '60');
    if (errorCatalogue[code].status === 401) reply.header('www-authenticate', authChallenge(code, request));
    return reply.status(errorCatalogue[code].status).send(errorBody(request, code, context, message));
  });

  if (checkDeclaredErrors) registerDeclaredRowErrors(app);

  app.setNotFoundHandler((request, reply) => {
    request.log.info({ code: 'REQ_004', ...callerOfRequest(request) }, 'request refused');
    if (sellersLink(request)) return html(reply, 404, linkNotValid());
    // The methods the path takes, where it is a route of others (DELETE of PATCH /inventory, PUT of a product's path).
    const path = request.url.split('?')[0];
    const allowedMethods = methodsMatching(app, path).filter((m) => m !== request.method);
    reply.status(404).send(errorBody(request, 'REQ_004', { method: request.method, path, ...(allowedMethods.length > 0 ? { allowedMethods } : {}) }));
  });
}
