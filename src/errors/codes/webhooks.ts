import type { ErrorDefinitions } from '../types.js';

/** Webhook endpoints and deliveries (Partner API). */
export const webhookErrors = {
  WHK_001: { status: 404, message: 'Webhook endpoint not found', hint: 'List your endpoints with GET /api/v1/partner/webhooks/endpoints' },
  WHK_002: { status: 404, message: 'Webhook delivery not found', hint: 'List deliveries with GET /api/v1/partner/webhooks/deliveries' },
  WHK_003: { status: 400, message: 'Webhook URL not allowed', hint: 'Use an absolute http(s) URL without credentials, on a public address' },
  WHK_004: { status: 409, message: 'Webhook endpoint is disabled', hint: 'Deliveries of a deleted endpoint cannot be sent again; register the endpoint again' },
  WHK_005: { status: 429, message: 'Too many test events', hint: 'Send at most 5 test events a minute to an endpoint; retry after the time in Retry-After' },
} satisfies ErrorDefinitions;
