import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.js';

/**
 * Download links of exports kept in the local folder, self-authorising as S3's presigned URLs
 * are: `/exports/{storage key}?expires=…&signature=…`, an HMAC-SHA256 of the path and the expiry.
 * Anyone holding the link may fetch that one file until it expires, without a token (an email
 * recipient, a browser, a partner's script).
 */

/**
 * The links' key, derived from the encryption key (HKDF-SHA256) rather than a secret of its own:
 * nothing new to configure, the same on every machine that shares OMNI_ENCRYPTION_KEY (a worker
 * signs a link the API verifies), and not that key itself, which encrypts partner secrets.
 */
export const exportLinkKey = (encryptionKey: Buffer) =>
  Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'omni:export-download-link:v1', 32));

/** The path serving a local export file: its storage key (`{storeId}/{exportId}/products.{format}`). */
export const exportFilePath = (key: string) => `/exports/${key}`;

/** The signature as sent: base64url of the HMAC over the method, the path and the expiry (its text, as sent). */
const signatureOf = (linkKey: Buffer, key: string, expires: string) =>
  createHmac('sha256', linkKey).update(`GET\n${exportFilePath(key)}\n${expires}`).digest('base64url');

/** A link to one export file, valid `ttlSeconds` from `now` (ms; the tests' clock). */
export function signExportLink(linkKey: Buffer, key: string, ttlSeconds: number, now = Date.now()): string {
  const expires = String(Math.floor(now / 1000) + ttlSeconds);
  return `${exportFilePath(key)}?expires=${expires}&signature=${signatureOf(linkKey, key, expires)}`;
}

/**
 * Refuses (PIM_008) a link whose signature is not this file's and this expiry's, or whose
 * expiry has passed. The signature is compared as text in constant time, so neither its bytes
 * nor a lenient base64 decoding (which skips stray characters) let a changed link through.
 */
export function verifyExportLink(linkKey: Buffer, key: string, expires: string, signature: string, now = Date.now()) {
  const expected = Buffer.from(signatureOf(linkKey, key, expires));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('PIM_008', { reason: 'the signature does not match this file and expiry' });
  }
  if (Number(expires) * 1000 <= now) {
    throw new AppError('PIM_008', { reason: 'expired', expiredAt: new Date(Number(expires) * 1000).toISOString() });
  }
}
