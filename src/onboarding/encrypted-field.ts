import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/** The key id partners see in ENCRYPTED: fields: a short fingerprint of their key. */
export const partnerKeyId = (key: Buffer) => `pek_${createHash('sha256').update(key).digest('base64url').slice(0, 12)}`;

/**
 * An `ENCRYPTED:` field (partner-api.md): base64url(JSON {v:1, alg:"A256GCM", kid,
 * iv, tag, data}) with AES-256-GCM under the partner's 32-byte key; structured
 * values are encrypted as a JSON string. src/sdk/decrypt-field.ts reverses it.
 */
export function encryptField(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const envelope = { v: 1, alg: 'A256GCM', kid: partnerKeyId(key), iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), data: data.toString('base64url') };
  return `ENCRYPTED:${Buffer.from(JSON.stringify(envelope)).toString('base64url')}`;
}
