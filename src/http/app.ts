import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import metrics from 'fastify-metrics';
import { register } from 'prom-client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TObject } from '@sinclair/typebox';
import type { Config } from '../config.js';
import type { Sql } from '../db/database.js';
import { ErrorEnvelope } from './envelope.js';
import { AppError } from '../errors/app-error.js';
import { partnerHeaders, storeHeaders } from './partner-headers.js';
import { frameworkErrors, registerErrorHandler } from './plugins/error-handler.js';
import { answerClientError, rememberAnsweredEarly } from './plugins/client-errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { withRequestLog } from './plugins/request-log.js';
import { registerWorkerMetrics, registerWorkMetrics } from './plugins/work-metrics.js';
import { buildTaskList } from '../jobs/tasks.js';
import type { WorkerState } from '../jobs/worker.js';
import { registerPartnerAuth } from './plugins/partner-auth.js';
import { partnerRateLimit } from './plugins/partner-rate-limit.js';
import { registerRequestPartChecks } from './plugins/request-parts.js';
import { recordStaticRoutes } from './plugins/route-methods.js';
import { bodyAjv } from './validation/ajv.js';
import { compileRequestPart } from './validation/decimal-integers.js';
import { routes } from './routes/index.js';
import { openApiOptions } from './openapi.js';

export interface AppDeps {
  sql: Sql;
  /**
   * Where the API sends the short single statements every request makes (the credential
   * lookup, a PATCH, a product read): a pool of a few connections. postgres.js hands a query
   * to an idle connection while it has one and pipelines it onto a busy one otherwise, so
   * with 10 connections almost every query woke a sleeping backend; on a few (DB_STATEMENT_POOL_MAX,
   * 2) they queue on busy ones (PostgreSQL's CPU over the PATCH bench 8-10% lower with 3 than
   * with 10, lower again with 2: docs/performance.md).
   * Its statements are planned generically (connectStatements, src/db/database.ts).
   * Transactions and bulk statements stay on `sql`, where nothing waits behind them.
   * Unset (tests): `sql`.
   */
  statements?: Sql;
  config: Config;
  /** Encrypts partner secrets at rest. */
  encryptionKey: Buffer;
}


export interface AppOptions {
  logger?: boolean | object;
  loggerInstance?: FastifyBaseLogger;
  /** The job worker running in this process (`omni serve`), whose state /metrics shows. */
  worker?: WorkerState;
}

/** A path parameter's longest value, in UTF-16 units (routerOptions below). */
const MAX_PARAM_LENGTH = 200;

export async function buildApp(deps: AppDeps, options: AppOptions = {}) {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: withRequestLog(options.loggerInstance) }
      : { logger: options.logger === false ? false : withRequestLog({ level: deps.config.LOG_LEVEL, ...(typeof options.logger === 'object' ? options.logger : {}) }) }),
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    // A request whose headers and body have not arrived within it is answered 408 and its connection
    // closed; Node looks for such requests every connectionsCheckingInterval (30 s by default). Given
    // to the server's constructor too: set afterwards (as Fastify sets it) beside a longer
    // headersTimeout (Node's 60 s), Node never ended a request (a probe: still open after 4 s of 1 s).
    requestTimeout: deps.config.REQUEST_TIMEOUT_MS,
    http: {
      requestTimeout: deps.config.REQUEST_TIMEOUT_MS, headersTimeout: Math.min(60_000, deps.config.REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(30_000, Math.ceil(deps.config.REQUEST_TIMEOUT_MS / 4)),
    },
    // Always Omni's own: a request id finds a batch (…/batches/requests/{requestId}) and an audit
    // event. A caller's x-request-id, kept as it was when a uuid, let two requests share one, and the
    // first batch could no longer be found by it. The caller's id is logged beside ours (request-log.ts).
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // While the server closes, a request that still arrives (pipelined, or on a keep-alive
    // connection busy when the close began) is answered SYS_002 by the hook below, in the envelope:
    // Fastify's own 503 was a bare JSON of its own, without a code, x-request-id or Retry-After.
    return503OnClosing: false,
    // A request Node refuses before Fastify has it (408, 431, a malformed request: 400), in the envelope.
    clientErrorHandler: answerClientError,
    // In UTF-16 units, as a JavaScript string counts: a path parameter's schema allows 100
    // characters (a SKU), which outside the BMP are 200 units. At Fastify's default, 100, a SKU
    // of 51 emoji the API had stored could not be read by it (REQ_006; QA).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    ajv: { customOptions: {} },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv.compile(schema) : compileRequestPart(schema as object)));
  app.addSchema(ErrorEnvelope);
  let closing = false;
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // An API answer is the caller's own data, a store credential (onboarding's store-access) or an
    // expiring download among them: no cache keeps it, unless its route says otherwise (time QA).
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    // Answered while the server closes: the connection ends with it. Kept alive, an idle client
    // held the stop until keepAliveTimeout (72 s; QA): Node closes only the connections idle
    // when the close begins.
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', rememberAnsweredEarly);
  let idleSweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    // And those that go idle later: a request read after the close began (answered SYS_002 above).
    idleSweep = setInterval(() => app.server.closeIdleConnections(), 250).unref();
  });
  app.addHook('onClose', async () => clearInterval(idleSweep));
  app.addHook('onRequest', async () => {
    if (closing) throw new AppError('SYS_002', { reason: 'The server is shutting down' });
  });

  // Signed routes document their headers and security scheme in OpenAPI without repeating them.
  app.addHook('onRoute', (route) => {
    const scope = route.config?.auth;
    if (!scope) return;
    route.schema = {
      ...route.schema,
      headers: mergeHeaders(scope === 'store' ? storeHeaders : partnerHeaders, route.schema?.headers as TObject | undefined),
      security: [{ partnerSignature: [] }],
    };
  });
  recordStaticRoutes(app, MAX_PARAM_LENGTH);
  registerJsonBody(app);
  registerErrorHandler(app, deps.config.BODY_LIMIT_BYTES);
  registerPartnerAuth(app, deps.statements ?? deps.sql, deps.encryptionKey, partnerRateLimit(deps.config.PARTNER_RATE_LIMIT_PER_MINUTE));
  // After the auth hook: hooks of one phase run in the order they were added.
  registerRequestPartChecks(app);

  await app.register(swagger, openApiOptions(deps.config));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Request durations as a histogram only: histograms add up across any number of API
  // processes, a summary's quantiles do not, and its t-digest cost every request CPU.
  await app.register(metrics.default ?? metrics, {
    endpoint: { url: '/metrics', schema: { hide: true } }, clearRegisterOnInit: true,
    // Unmatched requests too, under one route label (a 404 is no new series): a client calling a
    // wrong path, or a scan, showed nowhere.
    // Every method: its default left out HEAD and OPTIONS (a load balancer's HEAD checks, a scan's
    // OPTIONS), which README says are counted (logs QA).
    routeMetrics: { enabled: { histogram: true, summary: false }, registeredRoutesOnly: false, invalidRouteGroup: '__unmatched__', methodBlacklist: [] },
  } as any);
  // fastify-metrics registers its summary even when disabled: /metrics then declared an
  // http_request_summary_seconds that never had a sample.
  register.removeSingleMetric('http_request_summary_seconds');
  registerWorkMetrics(deps.sql, app.log, Object.keys(buildTaskList(deps)));
  if (options.worker) registerWorkerMetrics(options.worker);

  await app.register(routes, deps);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app as unknown as FastifyInstance;
}

/** The signed headers plus a route's own (e.g. Idempotency-Key). */
function mergeHeaders(signed: TObject, own: TObject | undefined): TObject {
  if (!own) return signed;
  return Type.Object({ ...signed.properties, ...own.properties }, { required: [...(signed.required ?? []), ...(own.required ?? [])] } as object);
}
