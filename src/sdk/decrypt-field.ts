import { createDecipheriv } from 'node:crypto';

/**
 * Decrypts an `ENCRYPTED:` field returned by Omni (e.g. the store access of
 * onboarding) with your partner encryption key (base64, as printed once when
 * your partner account was created). Throws if the value was altered or the key
 * is not the one it was encrypted for.
 */
export function decryptField(value: string, partnerEncryptionKeyBase64: string): string {
  if (!value.startsWith('ENCRYPTED:')) throw new Error('not an ENCRYPTED: field');
  const envelope = JSON.parse(Buffer.from(value.slice('ENCRYPTED:'.length), 'base64url').toString('utf8')) as {
    v: number; alg: string; kid: string; iv: string; tag: string; data: string;
  };
  if (envelope.v !== 1 || envelope.alg !== 'A256GCM') throw new Error(`unsupported envelope v=${envelope.v} alg=${envelope.alg}`);
  const key = Buffer.from(partnerEncryptionKeyBase64, 'base64');
  if (key.length !== 32) throw new Error('the partner encryption key must be 32 bytes, base64-encoded');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64url')), decipher.final()]).toString('utf8');
}

/** decryptField for a structured value (a JSON string inside). */
export function decryptJsonField<T = unknown>(value: string, partnerEncryptionKeyBase64: string): T {
  return JSON.parse(decryptField(value, partnerEncryptionKeyBase64)) as T;
}
