import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The methods other than `method` that have a route of exactly `path`: the path is a route
 * without parameters (PATCH /products/prices, POST /catalog/sync), called with another method.
 * REQ_004 names them (not-found handler, request-parts.ts).
 */
export function otherMethodsAt(app: FastifyInstance, path: string, method: string): string[] {
  return METHODS.filter((m) => m !== method && app.hasRoute({ method: m, url: path }));
}
