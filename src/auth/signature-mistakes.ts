import { timingSafeEqual } from 'node:crypto';
import { API_PREFIX, buildBaseString, sha256Hex, signBaseString, type SigningParts } from '../sdk/signing.js';

/**
 * The usual ways a client signs a request other than the way it sends it, each a base string
 * built the wrong way and what to do instead. An AUTH_010 showed only the base string the server
 * signed (stringToSign), which a partner writing its own client (Python, from the docs) had to
 * diff against its own; these are the cases QA met most, told in a `reason` when one of them
 * is the signature sent (raw-HTTP partner QA).
 */
const MISTAKES: { reason: string; lines(parts: SigningParts, lines: string[]): string[] | null }[] = [
  {
    reason: 'the signature is of the path with /api/v1: PATH, the second line of stringToSign, is the path without it',
    lines: (_p, l) => replaceLine(l, 1, API_PREFIX + l[1]),
  },
  {
    reason: 'the signature is of the path without its query: PATH is the path and ?query exactly as sent',
    lines: (_p, l) => (l[1].includes('?') ? replaceLine(l, 1, l[1].slice(0, l[1].indexOf('?'))) : null),
  },
  {
    reason: 'the signature is of the path with /api/v1 and without its query: PATH is the path without /api/v1, and ?query exactly as sent',
    lines: (_p, l) => (l[1].includes('?') ? replaceLine(l, 1, API_PREFIX + l[1].slice(0, l[1].indexOf('?'))) : null),
  },
  {
    reason: 'the signature leaves out the x-store-client-id and x-store-token lines: a store route signs them, after x-partner-client-id',
    lines: (p, l) => (p.storeClientId !== undefined ? l.filter((line) => !line.startsWith('x-store-client-id:') && !line.startsWith('x-store-token:')) : null),
  },
  {
    reason: 'the signature is of an empty body: the last line is the SHA-256 of the body bytes as sent',
    lines: (p, l) => (p.body !== undefined && p.body.length > 0 ? replaceLine(l, l.length - 1, sha256Hex('')) : null),
  },
  {
    reason: 'the signature is of the method in lower case: METHOD is upper case',
    lines: (p, l) => (p.method !== p.method.toLowerCase() ? replaceLine(l, 0, p.method.toLowerCase()) : null),
  },
];

const replaceLine = (lines: string[], at: number, value: string) => lines.map((line, i) => (i === at ? value : line));

/**
 * Which usual mistake `providedHex` (64 lower-case hex digits) is the signature of, as AUTH_010's
 * reason, or nothing. Run on a refused signature only: up to six HMACs of a few hundred bytes.
 */
export function signatureMistake(secret: string, parts: SigningParts, providedHex: string): { reason?: string } {
  const provided = Buffer.from(providedHex, 'utf8');
  const lines = buildBaseString(parts).split('\n');
  for (const mistake of MISTAKES) {
    const wrong = mistake.lines(parts, lines);
    if (wrong && timingSafeEqual(Buffer.from(signBaseString(secret, wrong.join('\n')), 'utf8'), provided)) return { reason: mistake.reason };
  }
  return {};
}
