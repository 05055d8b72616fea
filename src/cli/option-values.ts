import { InvalidArgumentError, type Command } from 'commander';
import { API_PREFIX } from '../sdk/signing.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';
import { webhookUrlProblem } from '../webhooks/endpoints.js';
import { MIN_PASSWORD_LENGTH, passwordLength } from '../onboarding/sellers.js';

/** Argument parsers for `omni` options: a wrong value is a usage error naming the option, before any database is opened. */

/** `--json` of every admin command (context.ts `output`). */
export const JSON_OPTION = ['--json', 'print exactly one JSON object on stdout'] as const;

export const wholeNumber = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${v}".`);
  return n;
};

/**
 * `--limit` of the list commands: 1 to 100, as the HTTP API's `limit`. A value out of range is
 * a usage error, not quietly clamped: `--limit 500` printed 100 rows as if they were all.
 */
export const listLimit = (v: string) => {
  const n = wholeNumber(v);
  if (n < 1 || n > 100) throw new InvalidArgumentError(`expected a whole number from 1 to 100, got "${v}".`);
  return n;
};

export const nonEmpty = (v: string) => {
  if (!v.trim()) throw new InvalidArgumentError('expected a value, got an empty one.');
  return v;
};

/**
 * A partner's, store's, batch's or endpoint's id, as a create or list command printed it. An
 * empty one was looked up, and told `no store with client id ` and a blank.
 */
export const anId = (v: string) => nonEmpty(v).trim();

/**
 * Warehouses `store create` makes at once (`--warehouses`): `--warehouses 100000` made as many,
 * one statement each, and printed 9.5 MB. A store needing more adds them with `warehouse add`.
 */
export const MAX_NEW_WAREHOUSES = 100;
export const warehouseCount = (v: string) => {
  const n = wholeNumber(v);
  if (n > MAX_NEW_WAREHOUSES) throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_NEW_WAREHOUSES}, got "${v}".`);
  return n;
};

/**
 * `--events` of `webhook add`: a comma-separated list of event types, each known and named once
 * (as the API refuses them, VAL_001); none is every type (stored as []). An unknown one was only
 * told once the database was open (and, with the database down, not at all).
 */
export const eventTypes = (v: string) => {
  const types = v.split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = types.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length) {
    throw new InvalidArgumentError(`unknown event types: ${unknown.join(', ')}; expected a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(', ')} (none: all of them).`);
  }
  const twice = types.filter((e, i) => types.indexOf(e) !== i);
  if (twice.length) throw new InvalidArgumentError(`event types given twice: ${[...new Set(twice)].join(', ')}; name each once.`);
  return types;
};

/**
 * A webhook endpoint's URL option, as the endpoint itself refuses one (WHK_003: absolute, http or
 * https, no credentials, at most 2,048 characters), checked before the action: a hook, not an
 * option parser, whose refusal repeats the value, and one with `@` may carry a password (QA: a
 * URL refused for its credentials printed them). Whether it is a public address needs the
 * configuration (WEBHOOK_ALLOW_PRIVATE_URLS): the command checks that itself.
 */
export const checkWebhookUrl = (flags: string, key: string) => (cmd: Command) => {
  const v = cmd.opts<Record<string, string | undefined>>()[key];
  const problem = v === undefined ? undefined : webhookUrlProblem(v);
  if (!problem) return;
  const given = v!.includes('@') ? 'is invalid (not repeated here):' : `argument '${v}' is invalid.`;
  cmd.error(`error: option '${flags}' ${given} expected an absolute http(s) URL without credentials (${problem}).`, { code: 'commander.invalidArgument' });
};

/** What is wrong with a seller's sign-in password, if anything: at least MIN_PASSWORD_LENGTH characters, as createSeller refuses a shorter one. */
export const passwordProblem = (v: string): string | undefined =>
  (passwordLength(v) < MIN_PASSWORD_LENGTH ? `expected a password of at least ${MIN_PASSWORD_LENGTH} characters, got ${passwordLength(v)}.` : undefined);

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** A PIM organization's or user's id, as `omni admin org create` / `user create` printed it. */
export const uuid = (v: string) => {
  if (!UUID.test(v.trim())) throw new InvalidArgumentError(`expected a uuid (as the create command printed it), got "${v}".`);
  // As PostgreSQL stores and prints it (lower case, hyphenated): the commands that echo the id
  // echoed it as typed, so one command's output did not match another's (QA).
  const hex = v.trim().replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * An email address, loosely (something@somewhere): a tenant's `--notify-email` of "notanemail"
 * was stored, and each export's email then failed its 8 attempts.
 */
export const email = (v: string) => {
  if (!/^[^\s@]+@[^\s@]+$/.test(v.trim())) throw new InvalidArgumentError(`expected an email address, got "${v}".`);
  return v.trim();
};

/** A JSON text, kept as given (its bytes are what a signature covers). */
export const jsonText = (v: string) => {
  try {
    JSON.parse(v);
  } catch (err) {
    throw new InvalidArgumentError(`expected JSON (${(err as Error).message}).`);
  }
  return v;
};

/**
 * A path of the API as a request sends it (`/api/v1/partner/…`). Given as the signature's base
 * string writes it (`/partner/…`, docs/partner-auth.md) or without its first "/", it is completed:
 * it used to print a curl of `/partner/…` (REQ_004) or of `http://127.0.0.1:8080partner/…`.
 */
export const apiPath = (v: string) => {
  // A whole URL was printed after the base URL (`http://…/http://…/api/v1/…`).
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())) throw new InvalidArgumentError(`expected a path such as /partner/stores/products, not a URL (the base comes from the server's settings), got "${v}".`);
  // Signed as typed, a space made a curl that failed without a word (curl: "URL malformed", under -s; QA).
  if (/[\s\u0000-\u001f\u007f]/.test(v.trim())) throw new InvalidArgumentError(`expected a path percent-encoded as sent (a space is %20), got ${JSON.stringify(v)}.`);
  // Characters past ASCII as UTF-8 escapes, as the SDK sends them: signed as typed, curl sent their
  // bytes and the server signed their escapes (AUTH_010), or refused the request line (REQ_009; QA).
  const encoded = v.trim().replace(/[^\u0000-\u007f]+/gu, (chars) => encodeURIComponent(chars));
  const path = withoutDotSegments(encoded.startsWith('/') ? encoded : `/${encoded}`);
  return /^\/(partner|pim|audit)([/?]|$)/.test(path) ? API_PREFIX + path : path;
};

/**
 * A path with its `.` and `..` segments resolved (RFC 3986, 5.2.4), as curl sends it: signed as
 * typed, `/api/v1/partner/../pim/products` went to the PIM API under a signature of the other
 * path, past the checks below (QA). The query is left as it is.
 */
function withoutDotSegments(path: string): string {
  const at = path.indexOf('?');
  const [pathname, query] = at < 0 ? [path, ''] : [path.slice(0, at), path.slice(at)];
  const out: string[] = [];
  const segments = pathname.split('/').slice(1);
  segments.forEach((segment, i) => {
    if (segment === '..') out.pop();
    else if (segment !== '.') out.push(segment);
    // A path ending in `.` or `..` names a folder: it keeps its trailing slash.
    if ((segment === '.' || segment === '..') && i === segments.length - 1) out.push('');
  });
  return `/${out.join('/')}${query}`;
}

/**
 * `demo curl`'s paths, each of its own API: a Partner path given to --pim-path was printed as a
 * Bearer curl that could only fail (QA), and a PIM path given to --path as a signed one.
 */
const PIM_PATH = new RegExp(`^${API_PREFIX}/(pim|audit)([/?]|$)`);
const PARTNER_PATH = new RegExp(`^${API_PREFIX}/partner([/?]|$)`);
export const partnerApiPath = (v: string) => {
  const path = apiPath(v);
  if (PIM_PATH.test(path)) throw new InvalidArgumentError(`expected a Partner API path (/partner/…); a PIM API path goes to --pim-path, got "${v}".`);
  return path;
};
export const pimApiPath = (v: string) => {
  const path = apiPath(v);
  if (PARTNER_PATH.test(path)) {
    throw new InvalidArgumentError(`expected a PIM API path (/pim/…, /audit); a Partner API path goes to --path, got "${v}".`);
  }
  return path;
};

/** An HTTP method, in capitals (a word with a space printed a curl the shell split). */
export const httpMethod = (v: string) => {
  // The methods the API answers (any word was printed as -X FOO).
  if (!/^(GET|POST|PUT|PATCH|DELETE)$/i.test(v.trim())) throw new InvalidArgumentError(`expected an HTTP method (GET, POST, PUT, PATCH, DELETE), got "${v}".`);
  return v.trim().toUpperCase();
};
