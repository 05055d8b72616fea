import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The routes without parameters of each app, as `METHOD url` (recordStaticRoutes). */
const staticRoutes = new WeakMap<FastifyInstance, Set<string>>();

/**
 * Records the app's routes without parameters as they are registered: called before any route.
 * A set of exact paths, not the router: `app.hasRoute` reads the path it is given as a route
 * pattern, so a request path holding `:x(` threw (a 500) and a literal `:x` matched the
 * parameter routes of other methods (review).
 */
export function recordStaticRoutes(app: FastifyInstance) {
  const routes = new Set<string>();
  staticRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    if (/[:*]/.test(route.url)) return;
    // A plugin's '/' under its prefix answers with a trailing slash too, a copy Fastify adds
    // without this hook (swagger-ui's /docs/; review).
    const urls = route.routePath === '' && route.prefix ? [route.url, `${route.url}/`] : [route.url];
    for (const method of [route.method].flat()) for (const url of urls) routes.add(`${method} ${url}`);
  });
}

/**
 * The methods other than `method` that have a route of exactly `path`: the path is a route
 * without parameters (PATCH /products/prices, POST /catalog/sync), called with another method.
 * REQ_004 names them (not-found handler, request-parts.ts).
 */
export function otherMethodsAt(app: FastifyInstance, path: string, method: string): string[] {
  const routes = staticRoutes.get(app);
  return routes ? METHODS.filter((m) => m !== method && routes.has(`${m} ${path}`)) : [];
}
