import type { FastifyRequest } from 'fastify';

/** Query parameters that grant access by themselves (a PIM export's download link): never logged. */
const SECRET_PARAMS = new Set(['signature']);

/** A URL as logged: the values of its secret query parameters replaced, however their names are escaped. */
function urlForLog(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const pairs = url.slice(at + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try { decoded = decodeURIComponent(name.replace(/\+/g, ' ')); } catch { /* kept as sent */ }
    return SECRET_PARAMS.has(decoded.toLowerCase()) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, at)}?${pairs.join('&')}`;
}

function clientRequestId(given: string | string[] | undefined) {
  return typeof given === 'string' && given.length <= 200 ? given : undefined;
}

/**
 * Fastify's request line ("incoming request": method, url, host, remote address and port) with
 * the URL's secrets taken out: an export's download link works without a token until it expires,
 * and it was logged whole at info level. Given to the logger (below), so that a request no route
 * matches (a doubled slash) is logged so too.
 */
function requestForLog(req: FastifyRequest) {
  return {
    method: req.method,
    url: urlForLog(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
    // The caller's own correlation id (Omni's is the line's reqId), so that its logs and ours line up.
    clientRequestId: clientRequestId(req.headers['x-request-id']),
  };
}

/**
 * The logger Fastify is given, with requestForLog as its request serializer: Fastify merges the
 * `serializers` of a logger instance (or of its options) over its own for every request's logger.
 */
export function withRequestLog<T extends object>(logger: T): T {
  return Object.assign(logger, { serializers: { ...(logger as { serializers?: object }).serializers, req: requestForLog } });
}

/**
 * What support needs of a refused request, from the headers that name the caller (never the
 * token or the signature): "statusCode 401" alone did not say why a partner was refused.
 */
export function callerOfRequest(request: FastifyRequest) {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' && value.length <= 100 ? value : undefined;
  };
  return {
    partnerClientId: header('x-partner-client-id'), storeClientId: header('x-store-client-id'),
    tenantId: header('x-tenant-id'), orgId: header('x-org-id'),
  };
}
