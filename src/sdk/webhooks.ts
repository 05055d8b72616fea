import { createHmac, timingSafeEqual } from 'node:crypto';

/** An event as Omni POSTs it to a partner's endpoint (docs/webhooks.md, "What the receiver gets"). */
export interface OmniWebhookEvent<T = Record<string, unknown>> {
  /** The event id (the `webhook-id` header): the same on every retry and redelivery; deduplicate on it. */
  id: string;
  type: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  /** The store the event concerns; null for an event of no store. */
  storeClientId: string | null;
  data: T;
}

/** `verifyWebhook` refused a request: not signed by a secret given, too old or too new, or not an event. */
export class PartnerWebhookVerificationError extends Error {
  override readonly name = 'PartnerWebhookVerificationError';
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** A header's value; one sent several times (an array) is its values joined with `joiner`, as fetch's Headers joins them. */
function header(headers: HeaderBag, name: string, joiner = ', '): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value.join(joiner) : value;
}

/** An endpoint secret's key: `whsec_` + base64 (as Omni shows it), the prefix optional. */
function keyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  if (key.length === 0) throw new PartnerWebhookVerificationError('the endpoint secret is empty or not base64 (whsec_…)');
  return key;
}

/**
 * Verifies a delivery as the Standard Webhooks scheme signs it (HMAC-SHA256 of
 * `id.timestamp.body`, base64, in `webhook-signature` as space-separated `v1,…` entries) and
 * returns its event. `body` is the request's body exactly as received (parse it after, never
 * before: JSON re-serialised is another text). `secrets`: the endpoint's secret, or several
 * while a rotation's grace lasts (any one matching is enough). A `webhook-timestamp` more than
 * `toleranceSeconds` (300) away from now is refused, so that a captured request cannot be
 * replayed later. Throws PartnerWebhookVerificationError otherwise. Dependency-free, as the
 * rest of the SDK (the `standardwebhooks` package verifies the same; the tests check both agree).
 */
export function verifyWebhook<T = Record<string, unknown>>(secrets: string | readonly string[], body: string | Uint8Array, headers: HeaderBag,
  opts: { toleranceSeconds?: number; now?: Date } = {}): OmniWebhookEvent<T> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature', ' ');
  if (!id || !timestamp || !signatures) throw new PartnerWebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  const sentAt = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(sentAt)) throw new PartnerWebhookVerificationError('webhook-timestamp is not unix seconds');
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const tolerance = opts.toleranceSeconds ?? 300;
  if (Math.abs(now - sentAt) > tolerance) throw new PartnerWebhookVerificationError(`webhook-timestamp is more than ${tolerance} s away from now`);
  // The bytes as received are what was signed: a body decoded and encoded again may not be.
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const given = signatures.split(/\s+/).filter((s) => s.startsWith('v1,')).map((s) => Buffer.from(s.slice(3), 'base64'));
  // Every secret is checked first, whatever the order: an unset one beside a good one is a mistake to hear of.
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map(keyOf);
  const signed = keys.some((key) => {
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(bytes).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
  if (!signed) throw new PartnerWebhookVerificationError('no webhook-signature matches a secret given');
  let event: unknown;
  try { event = JSON.parse(Buffer.from(bytes).toString('utf8')); } catch { throw new PartnerWebhookVerificationError('the body is not JSON'); }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new PartnerWebhookVerificationError('the body is not an event object');
  // The header's id, whatever the body holds.
  return { ...(event as Omit<OmniWebhookEvent<T>, 'id'>), id };
}
