import { createHash, createHmac } from 'node:crypto';

/**
 * Omni partner request signing, exactly as shared/spec/partner-auth.md states.
 * This file is shared by the SDK (signing) and the server (verifying), so both
 * build the same base string by construction. It must never import server code.
 */

export const API_PREFIX = '/api/v1';

export interface SigningParts {
  method: string;
  /** Request path with or without the /api/v1 prefix, plus "?" and the raw query when there is one. */
  path: string;
  partnerClientId: string;
  storeClientId?: string;
  storeToken?: string;
  timestamp: string | number;
  /** Raw body bytes exactly as sent; undefined or empty for a request without a body. */
  body?: string | Uint8Array;
  /** The body's SHA-256 (lower-case hex), when the caller already has it (a large body hashed once, or as it streamed); else computed from `body`. */
  bodySha256?: string;
}

export function sha256Hex(data: string | Uint8Array = ''): string {
  return createHash('sha256').update(data).digest('hex');
}

/** PATH of the base string: the request path without the /api/v1 prefix, query kept as sent. */
export function canonicalPath(path: string): string {
  return path.startsWith(API_PREFIX + '/') ? path.slice(API_PREFIX.length) : path;
}

export function buildBaseString(parts: SigningParts): string {
  const lines = [parts.method.toUpperCase(), canonicalPath(parts.path), `x-partner-client-id:${parts.partnerClientId}`];
  if (parts.storeClientId !== undefined) lines.push(`x-store-client-id:${parts.storeClientId}`);
  if (parts.storeToken !== undefined) lines.push(`x-store-token:${parts.storeToken}`);
  lines.push(`x-timestamp:${parts.timestamp}`, parts.bodySha256 ?? sha256Hex(parts.body ?? ''));
  return lines.join('\n');
}

/** Lower-case hex HMAC-SHA256 of the base string, keyed with the partner secret (UTF-8). */
export function computeSignature(secret: string, parts: SigningParts): string {
  return signBaseString(secret, buildBaseString(parts));
}

/** Lower-case hex HMAC-SHA256 of a base string already built (buildBaseString), keyed with the partner secret (UTF-8). */
export function signBaseString(secret: string, baseString: string): string {
  return createHmac('sha256', secret).update(baseString).digest('hex');
}

export interface SignRequestInput extends Omit<SigningParts, 'timestamp'> {
  secret: string;
  /** Epoch milliseconds; defaults to now. */
  timestamp?: number | string;
}

/** The headers a signed request carries. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? Date.now());
  const headers: Record<string, string> = {
    'x-partner-client-id': input.partnerClientId,
    'x-timestamp': timestamp,
  };
  if (input.storeClientId !== undefined) headers['x-store-client-id'] = input.storeClientId;
  if (input.storeToken !== undefined) headers['x-store-token'] = input.storeToken;
  headers['x-signature'] = `sha256=${computeSignature(input.secret, { ...input, timestamp })}`;
  return headers;
}
