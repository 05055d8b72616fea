import type { ValidationTree } from './validation-errors.js';

const ESCAPED_NUL = Buffer.from('\\u0000');

/**
 * Whether a JSON text holds the escape \u0000 (the NUL character), which PostgreSQL's
 * text cannot store: a body that held one was accepted and its rows then failed in the
 * worker, for ever. `\\u0000` (an escaped backslash, then "u0000") is no NUL.
 */
export function hasEscapedNul(json: Buffer): boolean {
  for (let at = json.indexOf(ESCAPED_NUL); at >= 0; at = json.indexOf(ESCAPED_NUL, at + 1)) {
    let backslashes = 0;
    while (at - backslashes - 1 >= 0 && json[at - backslashes - 1] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return true;
  }
  return false;
}

/** The VAL_001 tree of every string (and key) holding a NUL character in a parsed body, by path. */
export function nulCharacterErrors(value: unknown): ValidationTree | null {
  if (value === null || typeof value !== 'object') return null;
  const tree: ValidationTree = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\0')) tree[key] = 'property names must not contain the NUL character (\\u0000)';
    else if (typeof child === 'string') { if (child.includes('\0')) tree[key] = `${key} must not contain the NUL character (\\u0000)`; }
    else { const sub = nulCharacterErrors(child); if (sub) tree[key] = sub; }
  }
  return Object.keys(tree).length > 0 ? tree : null;
}
