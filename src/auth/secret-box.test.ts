import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from './secret-box.js';

describe('secret box', () => {
  const key = randomBytes(32);
  it('round-trips and never stores the plaintext', () => {
    const sealed = seal('psk_very_secret', key);
    expect(sealed).not.toContain('psk_very_secret');
    expect(open(sealed, key)).toBe('psk_very_secret');
  });
  it('refuses another key and tampered ciphertext', () => {
    const sealed = seal('secret', key);
    expect(() => open(sealed, randomBytes(32))).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => open(parts.join('.'), key)).toThrow();
  });
});
