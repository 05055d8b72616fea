import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';

// HEAD: Fastify answers it for each GET route (exposeHeadRoutes) but where a route says otherwise (store-access).
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

interface RecordedRoutes {
  /** The routes without parameters, as `METHOD url`. */
  exact: Set<string>;
  /** Every route, matched as Fastify's own router matches a request path (it is the same library). */
  router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
}
const recorded = new WeakMap<FastifyInstance, RecordedRoutes>();

/**
 * Records the app's routes as they are registered: called before any route. The exact paths of
 * the routes without parameters, and a router of them all, not Fastify's: `app.hasRoute` reads the
 * path it is given as a route pattern, so a request path holding `:x(` threw (a 500) and a literal
 * `:x` matched the parameter routes of other methods (review).
 */
export function recordStaticRoutes(app: FastifyInstance, maxParamLength: number) {
  const routes: RecordedRoutes = { exact: new Set(), router: FindMyWay({ maxParamLength }) };
  recorded.set(app, routes);
  app.addHook('onRoute', (route) => {
    // A plugin's '/' under its prefix answers with a trailing slash too, a copy Fastify adds
    // without this hook (swagger-ui's /docs/; review).
    const urls = route.routePath === '' && route.prefix ? [route.url, `${route.url}/`] : [route.url];
    for (const method of [route.method].flat()) {
      for (const url of urls) {
        if (!/[:*]/.test(url)) routes.exact.add(`${method} ${url}`);
        // A route a plugin registers beside the copy above (swagger-ui's HEAD /docs/) is there once.
        if ((METHODS as readonly string[]).includes(method) && !routes.router.hasRoute(method as FindMyWay.HTTPMethod, url)) {
          routes.router.on(method as FindMyWay.HTTPMethod, url, () => {});
        }
      }
    }
  });
}

/**
 * The methods other than `method` that have a route of exactly `path`: the path is a route
 * without parameters (PATCH /products/prices, POST /catalog/sync), called with another method.
 * A route with parameters of `method` matched it (request-parts.ts): its REQ_004.
 */
export function otherMethodsAt(app: FastifyInstance, path: string, method: string): string[] {
  const routes = recorded.get(app);
  return routes ? exactMethodsAt(routes, path).filter((m) => m !== method) : [];
}

/** The methods with a route of exactly `path` (no parameters). */
const exactMethodsAt = (routes: RecordedRoutes, path: string) => METHODS.filter((m) => routes.exact.has(`${m} ${path}`));

/**
 * The methods that take `path`: those with a route of exactly it, when there is one (a route with
 * parameters of another method that matches it answers REQ_004 there: request-parts.ts); else
 * those with a route with parameters that matches it (PUT of a product's path takes GET and
 * PATCH): what the not-found handler's REQ_004 names. Only the routes without parameters were named
 * (its hint promised the others too; QA).
 */
export function methodsMatching(app: FastifyInstance, path: string): string[] {
  const routes = recorded.get(app);
  if (!routes) return [];
  const exact = exactMethodsAt(routes, path);
  if (exact.length > 0) return exact;
  return METHODS.filter((m) => {
    try {
      return routes.router.find(m, path) !== null;
    } catch {
      return false; // a path the router cannot decode matches no route
    }
  });
}
