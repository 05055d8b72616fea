import type { ErrorDefinitions } from '../types.js';

/** Webhook endpoints and deliveries (Partner API). */
export const webhookErrors = {
  WHK_001: { status: 404, message: 'Webhook endpoint not found', hint: 'List your endpoints with GET /api/v1/partner/webhooks/endpoints' },
  WHK_002: { status: 404, message: 'Webhook delivery not found', hint: 'List deliveries with GET /api/v1/partner/webhooks/deliveries' },
  WHK_003: { status: 400, message: 'Webhook URL not allowed', hint: 'Use an absolute http(s) URL without credentials, on a public address' },
  WHK_004: { status: 409, message: 'Webhook endpoint is disabled', hint: 'Enable the endpoint again first, as context.disabledBy says: paused or system, PATCH it with enabled: true; operator, only the operator enables it; partner, it was deleted: register a new one (the deliveries of a deleted endpoint cannot be sent again)' },
  WHK_005: { status: 429, message: 'Too many test events', hint: 'Send at most 5 test events a minute to an endpoint; retry after the time in Retry-After' },
  WHK_006: { status: 409, message: 'Webhook endpoint disabled by an operator', hint: 'Only an operator of the marketplace enables it again; ask them, or register a new endpoint' },
  WHK_007: { status: 409, message: 'Too many webhook endpoints', hint: 'A partner has at most 16 endpoints (all but the deleted ones: enabled, paused, or disabled by Omni or an operator); delete one you no longer use, or subscribe an existing one to more event types' },
} satisfies ErrorDefinitions;
