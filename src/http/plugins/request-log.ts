import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Query parameters that grant access by themselves (a PIM export's download link): never logged. */
const SECRET_QUERY = /([?&](?:signature)=)[^&#]*/gi;

/** A URL as logged: its secret query values replaced. */
export function urlForLog(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

/**
 * Fastify's request line ("incoming request": method, url, host, remote address and port) with
 * the URL's secrets taken out: an export's download link works without a token until it expires,
 * and it was logged whole at info level.
 */
function requestForLog(req: FastifyRequest) {
  return {
    method: req.method,
    url: urlForLog(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

/** Every route logs its requests through requestForLog (a route's own serializers win). */
export function registerRequestLog(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.logSerializers = { req: requestForLog, ...route.logSerializers } as typeof route.logSerializers;
  });
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
