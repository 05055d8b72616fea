import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { UUID } from '../../db/key-lookup.js';
import { VISIBLE } from './validation-errors.js';

/**
 * The common shape of a product photo or banner URL: http(s), a host name, an
 * optional port, path, query and fragment, each character as RFC 3986 allows it
 * there. Everything it matches is a URI by the full RFC 3986 pattern too (it is a
 * narrower copy of that pattern), so testing it first changes no answer; it only
 * skips that pattern, which cost ~23 µs a URL: a 1,000-product request carries
 * 5,000 photo URLs.
 */
export const SIMPLE_HTTP_URL = /^https?:\/\/[a-z0-9\-._~]+(?::\d{1,5})?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$/i;
/** Any case: PostgreSQL stores uuids lower-case and compares them as values. */
const fullUri = fullFormats.uri as (s: string) => boolean;
export const isUri = (s: string) => SIMPLE_HTTP_URL.test(s) || fullUri(s);
/**
 * An absolute http(s) URL without credentials: a product's photos, banners and thumbnails. A
 * storefront shows them to everyone, and browsers refuse subresources whose URL embeds a user and
 * password (`https://user:secret@host/a.jpg` was taken, QA): a secret published and a photo that
 * never loads.
 */
const isAsciiHttpUrl = (s: string) => SIMPLE_HTTP_URL.test(s) || (/^https?:\/\/[^/?#@]+(?:[/?#]|$)/i.test(s) && fullUri(s));
/**
 * ...or an IRI of one (RFC 3987: `https://bücher.de/café.jpg`, `https://例え.jp/画像.jpg`): its
 * characters past ASCII stand where RFC 3986 takes them percent-encoded, host included. They were
 * refused (Unicode QA), where the class-validator `isURL` the seeds' wording comes from takes them;
 * stored as sent, as a browser loads them.
 */
export const isHttpUrl = (s: string) => isAsciiHttpUrl(s) || (NON_ASCII.test(s) && !UNSEEN.test(s) && isAsciiHttpUrl(percentEncoded(s)));
const NON_ASCII = /[^\x00-\x7f]/;
/** What no IRI holds (RFC 3987's ucschar leaves out controls) nor a link should: white space (a no-break space) and format characters. */
const UNSEEN = /[\p{White_Space}\p{Cc}\p{Cf}]/u;
const percentEncoded = (s: string) => {
  try { return s.replace(/[^\x00-\x7f]+/g, encodeURIComponent); } catch { return ''; } // a lone surrogate
};

const fullDateTime = (fullFormats['date-time'] as { validate: (s: string) => boolean }).validate;
const FIRST_STORABLE = Date.parse('0001-01-01T00:00:00Z');
const LAST_STORABLE = Date.parse('9999-12-31T23:59:59.999Z');
/**
 * An RFC 3339 date-time that reaches PostgreSQL as one: postgres.js sends a timestamptz
 * parameter as JavaScript's toISOString of it, which a leap second (23:59:60) makes throw, and
 * which PostgreSQL refuses for the year 0000 or a year past 9999 in UTC (`+010000-…`), each a
 * 500 (`?updatedSince=0000-01-01T00:00:00Z`); so did an offset without its minutes (`+01`),
 * which RFC 3339 refuses, ajv-formats takes and JavaScript cannot read.
 */
export const isStorableDateTime = (s: string) => {
  if (!fullDateTime(s)) return false;
  const at = Date.parse(s);
  return at >= FIRST_STORABLE && at <= LAST_STORABLE;
};

/**
 * Two validators. Bodies are checked strictly (no coercion, unknown properties
 * rejected, every error reported for VAL_001); query strings, params and
 * headers arrive as text, so there numbers and booleans are coerced.
 */
function make(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, useDefaults: true, ...options });
  addFormats.default(ajv);
  ajv.addFormat('uri', isUri);
  // What a storefront can load: a photo or banner of another scheme (javascript:, ftp:, data:) was taken.
  ajv.addFormat('http-url', isHttpUrl);
  // A uuid as PostgreSQL reads it: ajv-formats also allows a "urn:uuid:" prefix, which the uuid type refuses.
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('date-time', isStorableDateTime);
  // NOT_BLANK's pattern goes out in OpenAPI and names BMP characters alone: this is the whole rule.
  ajv.addFormat('visible-text', (s: string) => VISIBLE.test(s));
  return ajv;
}

export const bodyAjv = make({ coerceTypes: false, removeAdditional: false });
export const paramsAjv = make({ coerceTypes: 'array', removeAdditional: false });
