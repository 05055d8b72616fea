import type { ErrorDefinitions } from '../types.js';

/** Partner HMAC authentication (see shared/spec/partner-auth.md). */
export const authErrors = {
  AUTH_001: { status: 401, message: 'Missing authentication headers', hint: 'Send x-partner-client-id, x-timestamp and x-signature (and x-store-client-id with x-store-token on store routes)' },
  AUTH_002: { status: 401, message: 'Unknown partner', hint: 'Check x-partner-client-id: no active partner has this client id' },
  AUTH_003: { status: 401, message: 'Expired or invalid timestamp', hint: 'Request timestamp must be within 300 seconds' },
  AUTH_004: { status: 400, message: 'Store credentials not accepted on this route', hint: 'This route is partner-scoped: omit x-store-client-id and x-store-token' },
  AUTH_005: { status: 403, message: 'Partner access disabled', hint: 'This partner account is disabled; contact the marketplace' },
  AUTH_010: { status: 401, message: 'Invalid signature', hint: 'Invalid HMAC signature' },
  AUTH_014: { status: 403, message: 'Access forbidden', hint: 'Store not found, access blocked, or invalid token' },
} satisfies ErrorDefinitions;
