/**
 * Whether PostgreSQL reads every number of a stored body as the API checked it. A catalog row's
 * fields are checked on JSON.parse's doubles, and then (a body whose every row passed, product-
 * inserts.ts) read by PostgreSQL from the body's text as `numeric`, exactly: a price
 * 10.00499999999999999999 was checked as 10.005 (PRD_008 against its special price, rounding to
 * 10.01) and stored as 10.00, and a weight 1e-17000 (0 for JavaScript) overflowed numeric's
 * scale in the worker, failing every row of the request with it (QA). A number with at most 15
 * significant digits, an exponent within ±290 and 40 characters at most is the same in both; a body with any other is
 * written from its parsed values instead (JavaScript's, as checked).
 */
export function numbersReadAsParsed(body: Buffer): boolean {
  // latin1: one character a byte, the same ASCII (a UTF-8 sequence's bytes are never '"' or '\').
  const text = body.toString('latin1');
  // Most bodies have no such number: a pattern of a value's start (after ':', ',' or '[') and 16
  // digits or an exponent looks at each value once (~1 ms a MB); only a body it finds is tokenized.
  if (!MAYBE_INEXACT.test(text)) return true;
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(text); m !== null; m = TOKENS.exec(text)) {
    if (m[0].charCodeAt(0) !== QUOTE && !exactInDouble(m[0])) return false;
  }
  return true;
}

const MAYBE_INEXACT = /[:,[]\s*-?(?:\d[\d.]{15}|[\d.]+[eE])/;
/** A JSON string (skipped) or number. */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const QUOTE = 34;
const MAX_TOKEN = 40;

/**
 * Whether a JSON number's text is a double's exactly enough: ≤ 15 significant digits, |exponent| ≤
 * 290, and at most 40 characters (zeros count: "0." and 17,000 zeros then 1 has one significant
 * digit, and overflows numeric's scale all the same; review).
 */
export function exactInDouble(token: string): boolean {
  if (token.length > MAX_TOKEN) return false;
  const e = token.search(/[eE]/);
  const mantissa = e < 0 ? token : token.slice(0, e);
  const exponent = e < 0 ? 0 : Number(token.slice(e + 1));
  const digits = mantissa.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length <= 15 && Math.abs(exponent) <= 290;
}
