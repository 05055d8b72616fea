import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptField } from '../onboarding/encrypted-field.js';
import { decryptField, decryptJsonField } from './decrypt-field.js';

describe('decryptField (SDK) against encryptField (server)', () => {
  const key = randomBytes(32);
  const keyB64 = key.toString('base64');

  it('reads back what the server encrypted, with the published envelope', () => {
    const value = encryptField(JSON.stringify({ storeToken: 'stkn_x', n: 1 }), key);
    const envelope = JSON.parse(Buffer.from(value.slice('ENCRYPTED:'.length), 'base64url').toString());
    expect(envelope).toMatchObject({ v: 1, alg: 'A256GCM', kid: expect.stringMatching(/^pek_/) });
    expect(Buffer.from(envelope.iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64url')).toHaveLength(16);
    expect(decryptJsonField(value, keyB64)).toEqual({ storeToken: 'stkn_x', n: 1 });
    expect(decryptField(encryptField('héllo', key), keyB64)).toBe('héllo');
  });

  it('refuses another key and an altered value', () => {
    const value = encryptField('secret', key);
    expect(() => decryptField(value, randomBytes(32).toString('base64'))).toThrow();
    const envelope = JSON.parse(Buffer.from(value.slice(10), 'base64url').toString());
    envelope.data = Buffer.from('tampered').toString('base64url');
    expect(() => decryptField(`ENCRYPTED:${Buffer.from(JSON.stringify(envelope)).toString('base64url')}`, keyB64)).toThrow();
    expect(() => decryptField('plain', keyB64)).toThrow('not an ENCRYPTED: field');
  });
});
