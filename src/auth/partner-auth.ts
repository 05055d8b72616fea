import { timingSafeEqual } from 'node:crypto';
import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { buildBaseString, signBaseString, type SigningParts } from '../sdk/signing.js';
import { hashToken } from './identifiers.js';
import { signatureMistake } from './signature-mistakes.js';
import { open } from './secret-box.js';
import { checkTimestamp } from './timestamp.js';

/** Who a verified partner request acts as. storeId is set on store-scoped routes. */
export interface PartnerPrincipal {
  partnerId: string;
  partnerClientId: string;
  storeId?: string;
  storeClientId?: string;
}

export type AuthScope = 'partner' | 'store';

export interface SignedRequest {
  scope: AuthScope;
  method: string;
  /** Raw request URL (path and query) as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
  now?: number;
  /**
   * A read to make in the same round trip as the credential lookup: a scalar
   * sub-select that may use `s.id`, the id of the store the headers name. Its value
   * is handed back only once the request is verified, and never on a failure.
   */
  alsoSelect?: Fragment;
  /**
   * Called once the signature is proved, before the partner's and the store's status are checked
   * (the request limit: partner-rate-limit.ts); what it throws refuses the request.
   */
  onSignatureProved?: (partnerId: string) => void;
}

type Fragment = postgres.Fragment;

/**
 * Decrypted partner secrets by their ciphertext. The ciphertext is still read
 * from the database on every request (a rotated secret has a new one), only the
 * AES-GCM work is saved. Bounded: the oldest entry goes first.
 */
const secretsByKey = new WeakMap<Buffer, Map<string, string>>();
const SECRET_CACHE_SIZE = 1000;
function partnerSecret(ciphertext: string, key: Buffer): string {
  let secrets = secretsByKey.get(key);
  if (!secrets) secretsByKey.set(key, (secrets = new Map()));
  let secret = secrets.get(ciphertext);
  if (secret === undefined) {
    secret = open(ciphertext, key);
    if (secrets.size >= SECRET_CACHE_SIZE) secrets.delete(secrets.keys().next().value!);
    secrets.set(ciphertext, secret);
  }
  return secret;
}

const header = (h: SignedRequest['headers'], name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The hex digits of an x-signature: `sha256=<hex>`, or the hex alone. */
const signatureHex = (provided: string) => (provided.startsWith('sha256=') ? provided.slice(7) : provided);

function signatureMatches(provided: string, expectedHex: string): boolean {
  const a = Buffer.from(signatureHex(provided), 'utf8');
  const b = Buffer.from(expectedHex, 'utf8');
  // Lengths are public (always 64 for a well-formed signature); contents are compared in constant time.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Why an x-signature cannot be any signature, whatever was signed: the value is `sha256=` (or
 * nothing) and 64 lower-case hex digits. A partner sending upper-case hex or base64 saw a
 * stringToSign equal to its own and nothing else to go on (QA).
 */
function signatureFormatProblem(provided: string): { reason?: string } {
  const hex = signatureHex(provided);
  if (/^[0-9a-f]{64}$/.test(hex)) return {};
  const what = /^[0-9a-fA-F]{64}$/.test(hex) ? 'upper-case hex' : /^[0-9a-fA-F]*$/.test(hex) ? `${hex.length} hex digits` : `${hex.length} characters, not all hex digits (base64?)`;
  return { reason: `x-signature must be the HMAC-SHA256 as 64 lower-case hex digits, with or without sha256= before them; it holds ${what}` };
}

/** What a store token stands for in the base string an AUTH_010 shows: the token is a credential, never echoed. */
const TOKEN_PLACEHOLDER = '<as sent>';

/**
 * The base string the server signed, for AUTH_010's context (as AWS SigV4's StringToSign in
 * SignatureDoesNotMatch), so a partner can diff it against the one it signed. Every line is what
 * the request sent (method, path and query, ids, timestamp) or a hash of it (the body), except
 * the store token's value, which is TOKEN_PLACEHOLDER. The partner secret is never part of it.
 */
function stringToSignShown(parts: SigningParts): string {
  return buildBaseString({ ...parts, storeToken: parts.storeToken === undefined ? undefined : TOKEN_PLACEHOLDER });
}

/**
 * A body the server does not read (a GET's: Fastify reads none) is not what its hash line
 * stands for: the empty body's hash is. A client that signed the body it sent with a GET saw
 * only a body hash line unlike its own; the reason says so, as a fact beside the base string
 * (the mismatch may still be in another line: it does not claim to be the cause).
 */
function unreadBody(req: SignedRequest): { reason?: string } {
  const sent = Number(header(req.headers, 'content-length') ?? 0) > 0 || header(req.headers, 'transfer-encoding') !== undefined;
  return req.rawBody === undefined && sent
    ? { reason: `this ${req.method} request sent a body, which is not read: its signature covers the empty body's hash (the last line of stringToSign)` } : {};
}

/**
 * Verifies a partner request: headers present, timestamp fresh, partner known,
 * signature valid and, on store routes, the store token valid for that store.
 * Checks run cheapest first, and the store is only looked at once the
 * signature proves the caller holds the partner secret.
 */
export async function verifyPartnerRequest(sql: Sql, key: Buffer, req: SignedRequest): Promise<PartnerPrincipal & { also?: unknown }> {
  const partnerClientId = header(req.headers, 'x-partner-client-id');
  const timestamp = header(req.headers, 'x-timestamp');
  const signature = header(req.headers, 'x-signature');
  const storeClientId = header(req.headers, 'x-store-client-id');
  const storeToken = header(req.headers, 'x-store-token');

  const missing = Object.entries({ 'x-partner-client-id': partnerClientId, 'x-timestamp': timestamp, 'x-signature': signature })
    .filter(([, v]) => !v).map(([k]) => k);
  if (req.scope === 'store') {
    if (!storeClientId) missing.push('x-store-client-id');
    if (!storeToken) missing.push('x-store-token');
  } else if (storeClientId || storeToken) {
    throw new AppError('AUTH_004', { storeClientId: storeClientId ?? null });
  }
  if (missing.length > 0) throw new AppError('AUTH_001', { missingHeaders: missing });

  checkTimestamp(timestamp!, req.now ?? Date.now());

  const [row] = await sql<{ partner_id: string; status: string; secret_ciphertext: string; store_id: string | null; store_status: string | null; token_ok: boolean; also?: unknown }[]>`
    select p.id as partner_id, p.status, p.secret_ciphertext, s.id as store_id, s.status as store_status,
      t.id is not null as token_ok ${req.alsoSelect ? sql`, ${req.alsoSelect} as also` : sql``}
    from partners p
    left join stores s on s.client_id = ${storeClientId ?? null} and s.partner_id = p.id
    left join store_tokens t on t.store_id = s.id and t.token_hash = ${storeToken ? hashToken(storeToken) : null}
      and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
    where p.client_id = ${partnerClientId!}`;
  if (!row) throw new AppError('AUTH_002', { partnerClientId });

  const parts: SigningParts = {
    method: req.method, path: originForm(req.url), partnerClientId: partnerClientId!, storeClientId, storeToken,
    timestamp: timestamp!, body: req.rawBody,
  };
  const secret = partnerSecret(row.secret_ciphertext, key);
  const expected = signBaseString(secret, buildBaseString(parts));
  if (!signatureMatches(signature!, expected)) {
    const known = { ...unreadBody(req), ...signatureFormatProblem(signature!) };
    const reason = known.reason ? known : signatureMistake(secret, parts, signatureHex(signature!));
    throw new AppError('AUTH_010', { partnerClientId, stringToSign: stringToSignShown(parts), ...reason });
  }
  req.onSignatureProved?.(row.partner_id);
  if (row.status !== 'ACTIVE') throw new AppError('AUTH_005', { partnerClientId });

  if (req.scope === 'partner') return { partnerId: row.partner_id, partnerClientId: partnerClientId! };
  if (!row.store_id || row.store_status !== 'ACTIVE' || !row.token_ok) throw new AppError('AUTH_014', { storeClientId, reason: storeRefusal(row) });
  return { partnerId: row.partner_id, partnerClientId: partnerClientId!, storeId: row.store_id, storeClientId, ...(req.alsoSelect ? { also: row.also } : {}) };
}

/**
 * Which of AUTH_014's causes it is, for the partner the signature has proved (its own stores only:
 * another partner's store reads as none), so that it fixes the token, the id, or asks the
 * marketplace, instead of trying each (error hints QA).
 */
function storeRefusal(row: { store_id: string | null; store_status: string | null }): string {
  if (!row.store_id) return 'no store of yours has this x-store-client-id';
  if (row.store_status !== 'ACTIVE') return `the store is ${row.store_status}: the marketplace's operator blocked it`;
  return 'the x-store-token is not a current token of this store (revoked, expired, replaced by a rotation, or the store was unbound)';
}

/**
 * The request target as the signature's PATH reads it: an absolute-form target (RFC 9112 3.2.2,
 * `GET http://host/api/v1/…`, as a proxy-minded client sends it) without its scheme and authority,
 * as raw as it came. It was signed whole, so a partner signing the path per the spec got AUTH_010 (QA).
 */
export function originForm(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (!m) return url;
  const rest = url.slice(m[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
