import type { ErrorDefinitions } from '../types.js';

/** Problems with the request itself, before any business rule runs. */
export const requestErrors = {
  VAL_001: { status: 400, message: 'Validation failed', hint: 'Please check your request data and try again' },
  REQ_001: { status: 400, message: 'Malformed JSON body', hint: 'The body could not be parsed as JSON; check quoting, commas and encoding (UTF-8)' },
  REQ_002: { status: 415, message: 'Unsupported content type', hint: 'Send the body as Content-Type: application/json, in UTF-8, uncompressed (no Content-Encoding)' },
  REQ_003: { status: 413, message: 'Request body too large', hint: 'Split the request: the body limit is given in context.limitBytes' },
  REQ_004: { status: 404, message: 'Route not found', hint: 'Check the method and path against /docs; context.allowedMethods names the methods the path takes when it is a route of others' },
  REQ_005: { status: 400, message: 'Empty JSON body', hint: 'A JSON body is required for this request' },
  REQ_006: { status: 400, message: 'Invalid URL', hint: 'Percent-encode the path (UTF-8); a path parameter holds at most 100 characters (200 UTF-16 units)' },
  REQ_007: { status: 408, message: 'Request timeout', hint: "The request must arrive whole within the server's REQUEST_TIMEOUT_MS, its headers within 60 seconds (or REQUEST_TIMEOUT_MS when shorter); the connection is closed" },
  REQ_008: { status: 431, message: 'Request headers too large', hint: 'The request line and headers together must fit in 16 KB: shorten the query (fewer, shorter filters) or the largest header (a cookie or custom header your HTTP client adds)' },
  REQ_009: { status: 400, message: 'Malformed HTTP request', hint: 'The request is not valid HTTP/1.1 (its request line, a header, or the framing of its body); the connection is closed' },
  REQ_010: { status: 429, message: 'Too many requests', hint: "Wait the seconds in the Retry-After header (context.retryAfterSeconds) and send again: a partner may make context.limit signed requests a minute to a server, all its stores together; the RateLimit-Remaining header of every answer says how many are left" },
  SYS_001: { status: 500, message: 'Internal server error', hint: 'Retry later; report the requestId if the problem persists' },
  SYS_002: { status: 503, message: 'Service unavailable', hint: 'Briefly unavailable (the database unreachable or migrating, or this server stopping: context.reason says which); retry shortly' },
} satisfies ErrorDefinitions;
