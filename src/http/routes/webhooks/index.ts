import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { AppDeps } from '../../app.js';
import { AfterCursor, cursorPageMeta, CursorPageMeta, Envelope, ok, PageNumber } from '../../envelope.js';
import { errorResponsesFor, ignoredBody, jsonBody, partnerRoute } from '../../error-responses.js';
import type { ErrorCode } from '../../../errors/catalogue.js';
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/event-types.js';
import { assertOwnEndpoint, createWebhookEndpoint, MAX_ENDPOINTS_PER_PARTNER, MAX_URL_LENGTH, disableWebhookEndpoint, getWebhookEndpoint, listWebhookEndpoints, rotateWebhookSecret, updateWebhookEndpoint } from '../../../webhooks/endpoints.js';
import { getDelivery, listDeliveries, redeliver } from '../../../webhooks/deliveries.js';
import { assertPublicTarget } from '../../../webhooks/private-targets.js';
import { sendTestEvent, TEST_EVENT_TYPE } from '../../../webhooks/test-event.js';

const EventType = Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t)));
// No `format: 'uri'`: the schema's check refused white space, control characters and backslashes
// as VAL_001 without a reason, before the service's WHK_003 could name it (docs/webhooks.md
// "Endpoint URLs"; QA). assertPublicTarget passes a URL it cannot parse on to that check.
const EndpointUrl = Type.String({ maxLength: MAX_URL_LENGTH, description: 'an absolute http or https URL, written as it is sent (else WHK_003 with context.reason)' });
/** What the delivery log can be filtered on: the subscribable types and the test event's (POST {id}/test). */
const DeliveryEventType = Type.Union([...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE].map((t) => Type.Literal(t)));
const EventTypes = Type.Array(EventType, { uniqueItems: true, description: 'omit (or []) for every event type' });
const EndpointId = Type.Object({ endpointId: Type.String({ maxLength: 100 }) });
const Nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });
const Endpoint = Type.Object({
  id: Type.String(), url: Type.String(), eventTypes: Type.Array(Type.String(), { description: 'empty: every event type' }),
  enabled: Type.Boolean(), createdAt: Type.String({ format: 'date-time' }),
  disabledBy: Nullable(Type.Union(['partner', 'paused', 'operator', 'system'].map((s) => Type.Literal(s))),
    'who disabled it: you (partner: DELETE; paused: PATCH with enabled false), an operator of the marketplace, or Omni itself (system); null while enabled'),
  disabledReason: Nullable(Type.Union(['gone', 'failing'].map((s) => Type.Literal(s))),
    'why Omni disabled it: gone, an attempt was answered 410 Gone; failing, its attempts had failed without a success for WEBHOOK_DISABLE_AFTER_FAILING_HOURS (default 120); null unless disabledBy is system'),
  disabledAt: Nullable(Type.String({ format: 'date-time' }), 'when it was disabled'),
  failingSince: Nullable(Type.String({ format: 'date-time' }), 'the first failed attempt since its last success; null when its last attempt succeeded'),
  slowSince: Nullable(Type.String({ format: 'date-time' }),
    'since when its attempts (answered or timed out) took over a quarter of WEBHOOK_TIMEOUT_MS (2.5 s by default); null when its last was quicker (or its URL changed). While one of your endpoints was slow in the last 10 minutes, all your deliveries are sent one at a time (and a failing endpoint\'s too): one delivery slot, so that other partners\' webhooks do not wait behind yours'),
});
const Attempt = Type.Object({
  attempt: Type.Integer(), statusCode: Type.Union([Type.Integer(), Type.Null()]), latencyMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]), attemptedAt: Type.String({ format: 'date-time' }),
});
const Delivery = Type.Object({
  id: Type.String({ format: 'uuid' }), endpointId: Type.String(), eventId: Type.String({ format: 'uuid', description: 'also the webhook-id header' }),
  eventType: Type.String(), status: Type.Union(['PENDING', 'RETRYING', 'SUCCEEDED', 'EXHAUSTED'].map((s) => Type.Literal(s))),
  attempts: Type.Integer(), nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String({ format: 'date-time' }), deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  attemptLog: Type.Array(Attempt),
});
const signing = 'Deliveries are POSTed as {type, timestamp, storeClientId, data} (storeClientId: the store the event concerns, null for none) and signed with the Standard Webhooks scheme (headers webhook-id, webhook-timestamp, webhook-signature; verify with the endpoint secret, e.g. the `standardwebhooks` package). A non-2xx answer or a timeout is retried with exponential backoff (1 min, x4 each time, at most 6 h apart, later if the answer\'s Retry-After asks; WEBHOOK_MAX_ATTEMPTS attempts). An attempt answered 410 Gone disables the endpoint, and so does a failed one when its attempts have failed without a success for WEBHOOK_DISABLE_AFTER_FAILING_HOURS (5 days by default); Omni then sends a webhook.endpoint.disabled event (data: endpointId, url, reason, failingSince, disabledAt, lastStatusCode, lastError) to your other endpoints that subscribe to it.';

/** A read's errors, and a write's (a POST, PATCH or DELETE, whose body is parsed if sent) with its own `codes`. */
const readErrors = (...codes: ErrorCode[]) => errorResponsesFor(partnerRoute, codes);
const writeErrors = (...codes: ErrorCode[]) => errorResponsesFor(partnerRoute, jsonBody, codes);
/** A POST or DELETE that takes no body (a body sent is still parsed). */
const bodilessWriteErrors = (...codes: ErrorCode[]) => errorResponsesFor(partnerRoute, ignoredBody, codes);

/** Webhook endpoints and deliveries of the signed-in partner. */
export async function webhooksRoutes(app: FastifyInstance, { sql, encryptionKey, config }: AppDeps) {
  app.post('/api/v1/partner/webhooks/endpoints', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Register a webhook endpoint', description: `${signing} The secret is returned once, in this response. A partner has at most ${MAX_ENDPOINTS_PER_PARTNER} endpoints (all but the deleted ones): one more is WHK_007.`,
      body: Type.Object({ url: EndpointUrl, eventTypes: Type.Optional(EventTypes) }, { additionalProperties: false }),
      response: { 201: Envelope(Type.Object({ ...Endpoint.properties, secret: Type.String({ description: 'whsec_…; shown once' }) })) }, errors: writeErrors('WHK_003', 'WHK_007'),
    },
  }, async (request, reply) => {
    const body = request.body as { url: string; eventTypes?: string[] };
    assertPublicTarget(body.url, config.WEBHOOK_ALLOW_PRIVATE_URLS);
    const created = await createWebhookEndpoint(sql, encryptionKey, request.partner!.partnerId, body);
    return reply.code(201).send(ok(reply, 'Webhook endpoint created', created));
  });

  app.get('/api/v1/partner/webhooks/endpoints', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Webhook endpoints',
      description: 'Every endpoint you have not deleted, oldest first: the enabled ones, those you paused, and those Omni or an operator disabled, with disabledBy, disabledReason and disabledAt. Omni disables an endpoint when an attempt is answered 410 Gone, or when its attempts have failed without a success for WEBHOOK_DISABLE_AFTER_FAILING_HOURS (5 days by default) and another fails, and tells your other endpoints subscribed to webhook.endpoint.disabled; PATCH it with enabled: true once the receiver is fixed.',
      response: { 200: Envelope(Type.Array(Endpoint)) }, errors: readErrors(),
    },
  }, async (request, reply) => ok(reply, 'Webhook endpoints retrieved successfully', await listWebhookEndpoints(sql, request.partner!.partnerId, 'not-deleted')));

  app.get('/api/v1/partner/webhooks/endpoints/:endpointId', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'A webhook endpoint',
      description: 'One endpoint you have not deleted, as the list shows it (never its secret). An unknown or deleted endpoint, or another partner\'s, is WHK_001.',
      params: EndpointId, response: { 200: Envelope(Endpoint) }, errors: readErrors('WHK_001'),
    },
  }, async (request, reply) => ok(reply, 'Webhook endpoint retrieved successfully',
    await getWebhookEndpoint(sql, request.partner!.partnerId, (request.params as { endpointId: string }).endpointId)));

  app.delete('/api/v1/partner/webhooks/endpoints/:endpointId', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Delete (disable) a webhook endpoint',
      description: 'No new deliveries, scheduled retries stop, its deliveries stay readable; it leaves the list and is never enabled again. An endpoint you paused, or Omni or an operator disabled, can be deleted too. An unknown or deleted endpoint is WHK_001.',
      params: EndpointId, response: { 200: Envelope(Endpoint) }, errors: bodilessWriteErrors('WHK_001'),
    },
  }, async (request, reply) => ok(reply, 'Webhook endpoint deleted',
    await disableWebhookEndpoint(sql, request.partner!.partnerId, (request.params as { endpointId: string }).endpointId)));

  app.patch('/api/v1/partner/webhooks/endpoints/:endpointId', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Change a webhook endpoint\'s URL or event types, pause it or enable it again',
      description: 'Send url, eventTypes, enabled or several (eventTypes replaces the list; [] subscribes to every type). The secret stays. Events written from now on use the new types; every attempt from now on, retries of earlier deliveries too, goes to the new URL. enabled: false pauses it (disabledBy paused): it gets no deliveries, and the retries of earlier ones end when they come due, until it is enabled again (one Omni disabled becomes paused: an operator no longer enables it). enabled: true resumes an endpoint you paused, or enables again one Omni disabled (disabledBy system), its failing streak forgotten: it gets the events written from then on (redeliver earlier ones). An unknown or deleted endpoint, or another partner\'s, is WHK_001; one an operator disabled is WHK_006.',
      params: EndpointId,
      body: Type.Object({
        url: Type.Optional(EndpointUrl), eventTypes: Type.Optional(EventTypes),
        enabled: Type.Optional(Type.Boolean({ description: 'false: pause the endpoint; true: resume it, or enable again one Omni disabled (to delete one, DELETE it)' })),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Envelope(Endpoint) }, errors: writeErrors('WHK_001', 'WHK_003', 'WHK_006'),
    },
  }, async (request, reply) => {
    const body = request.body as { url?: string; eventTypes?: string[]; enabled?: boolean };
    if (body.url !== undefined) assertPublicTarget(body.url, config.WEBHOOK_ALLOW_PRIVATE_URLS);
    return ok(reply, 'Webhook endpoint updated', await updateWebhookEndpoint(sql, request.partner!.partnerId,
      (request.params as { endpointId: string }).endpointId, body));
  });

  app.post('/api/v1/partner/webhooks/endpoints/:endpointId/rotate-secret', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: "Roll an endpoint's signing secret",
      description: 'Returns a new secret (shown once, as at creation). The previous one keeps signing beside it, a second signature in webhook-signature, for keepPreviousHours (default 24, at most 168; 0 stops it at once), so receivers can move to the new secret without rejecting a delivery. Rolling again keeps each secret rolled before signing until its own grace ends (the latest 4); keepPreviousHours 0 ends them all with the current one (a leaked secret). A disabled endpoint\'s secret can be rolled (before it is enabled again: a leaked secret then never signs another delivery); an unknown or deleted endpoint is WHK_001.',
      params: EndpointId,
      // A query parameter, not a body: the usual call is a bare POST.
      querystring: Type.Object({ keepPreviousHours: Type.Integer({ minimum: 0, maximum: 168, default: 24 }) }, { additionalProperties: false }),
      response: {
        200: Envelope(Type.Object({
          ...Endpoint.properties, secret: Type.String({ description: 'the new whsec_…; shown once' }),
          previousSecretExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'until when the previous secret also signs; null: it no longer does' }),
        })),
      },
      errors: bodilessWriteErrors('WHK_001'),
    },
  }, async (request, reply) => {
    const { endpointId } = request.params as { endpointId: string };
    const { keepPreviousHours } = request.query as { keepPreviousHours: number };
    return ok(reply, 'Webhook secret rotated', await rotateWebhookSecret(sql, encryptionKey, request.partner!.partnerId, endpointId, keepPreviousHours));
  });

  app.post('/api/v1/partner/webhooks/endpoints/:endpointId/test', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Send a test event to an endpoint',
      description: 'Queues one event of type webhook.test ({endpointId, message}, storeClientId null) for this endpoint only, whatever its event types, signed, retried and logged as any delivery: check a receiver and its signature verification without waiting for real work. An unknown or deleted endpoint is WHK_001, a disabled one WHK_004.',
      params: EndpointId,
      response: { 202: Envelope(Type.Object({ deliveryId: Type.String({ format: 'uuid' }), eventId: Type.String({ format: 'uuid' }), eventType: Type.Literal('webhook.test') })) }, errors: bodilessWriteErrors('WHK_001', 'WHK_004', 'WHK_005'),
    },
  }, async (request, reply) => {
    const { endpointId } = request.params as { endpointId: string };
    const queued = await sql.begin((tx) => sendTestEvent(tx, request.partner!.partnerId, endpointId));
    return reply.code(202).send(ok(reply, 'Test event queued', queued));
  });

  app.get('/api/v1/partner/webhooks/deliveries', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Deliveries, most recent first, with every attempt',
      querystring: Type.Object({
        status: Type.Optional(Type.Union(['PENDING', 'RETRYING', 'SUCCEEDED', 'EXHAUSTED'].map((s) => Type.Literal(s)))),
        eventType: Type.Optional(DeliveryEventType),
        endpointId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'one endpoint\'s deliveries (WHK_001 if the partner never had it)' })),
        page: PageNumber(), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), after: AfterCursor(),
      }, { additionalProperties: false }),
      response: { 200: Envelope(Type.Array(Delivery), CursorPageMeta()) }, errors: readErrors('WHK_001'),
    },
  }, async (request, reply) => {
    const q = request.query as { status?: string; eventType?: string; endpointId?: string; page: number; limit: number; after?: string };
    if (q.endpointId) await assertOwnEndpoint(sql, request.partner!.partnerId, q.endpointId);
    const { total, items, nextCursor } = await listDeliveries(sql, request.partner!.partnerId, q);
    return ok(reply, 'Webhook deliveries retrieved successfully', items, cursorPageMeta(q, total, nextCursor));
  });

  app.get('/api/v1/partner/webhooks/deliveries/:deliveryId', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'A delivery, with every attempt',
      description: 'One delivery as the list shows it: poll it after a redelivery. An unknown delivery, or another partner\'s, is WHK_002.',
      params: Type.Object({ deliveryId: Type.String({ format: 'uuid' }) }), response: { 200: Envelope(Delivery) }, errors: readErrors('WHK_002'),
    },
  }, async (request, reply) => ok(reply, 'Webhook delivery retrieved successfully',
    await getDelivery(sql, request.partner!.partnerId, (request.params as { deliveryId: string }).deliveryId)));

  app.post('/api/v1/partner/webhooks/deliveries/:deliveryId/redeliver', {
    config: { auth: 'partner' },
    schema: {
      tags: ['webhooks'], summary: 'Send a delivery again now', params: Type.Object({ deliveryId: Type.String({ format: 'uuid' }) }),
      response: { 202: Envelope(Type.Object({ deliveryId: Type.String() })) }, errors: bodilessWriteErrors('WHK_002', 'WHK_004'),
    },
  }, async (request, reply) => {
    const { deliveryId } = request.params as { deliveryId: string };
    await sql.begin((tx) => redeliver(tx, request.partner!.partnerId, deliveryId));
    return reply.code(202).send(ok(reply, 'Redelivery scheduled', { deliveryId }, { dispatch: true }));
  });
}
