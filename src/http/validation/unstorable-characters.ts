import type { ValidationTree } from './validation-errors.js';

const ESCAPED_NUL = Buffer.from('\\u0000');
const ESCAPED_SURROGATE = [Buffer.from('\\ud'), Buffer.from('\\uD')];

/** Whether the match of an escape at `at` is one: preceded by an even number of backslashes. */
function isEscape(json: Buffer, at: number): boolean {
  let backslashes = 0;
  while (at - backslashes - 1 >= 0 && json[at - backslashes - 1] === 0x5c) backslashes++;
  return backslashes % 2 === 0;
}

function holdsEscape(json: Buffer, escape: Buffer): boolean {
  for (let at = json.indexOf(escape); at >= 0; at = json.indexOf(escape, at + 1)) if (isEscape(json, at)) return true;
  return false;
}

/**
 * Whether a JSON text may hold characters PostgreSQL cannot store: the escape \u0000 (NUL,
 * which its text cannot hold) or an escaped UTF-16 surrogate (\uD800-\uDFFF), which its
 * json parser refuses unless it is half of a pair. A body that held one was accepted and its
 * rows then failed in the worker, for ever. `\\u0000` (an escaped backslash, then "u0000") is
 * none. A cheap byte scan; `unstorableCharacterErrors` then looks at the parsed strings.
 */
export function mayHoldUnstorableCharacters(json: Buffer): boolean {
  return holdsEscape(json, ESCAPED_NUL) || ESCAPED_SURROGATE.some((e) => holdsEscape(json, e));
}

/** In unicode mode a surrogate pair is one code point: only a lone surrogate is of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** What is wrong with a string PostgreSQL cannot store, or null: a NUL, or a lone surrogate. */
export function unstorable(text: string): string | null {
  if (text.includes('\0')) return 'the NUL character (\\u0000)';
  return LONE_SURROGATE.test(text) ? 'a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair)' : null;
}

/**
 * How deep the walk below goes: no body of the API nests near this, and one nested thousands
 * of levels deep (JSON.parse reads it) overflowed the stack of the recursive walk, a 500.
 */
const MAX_DEPTH = 64;

/**
 * The VAL_001 tree of every string (and key) PostgreSQL cannot store in a parsed body, by
 * path. An object or array nested deeper than MAX_DEPTH is reported as such, unexamined.
 */
export function unstorableCharacterErrors(value: unknown, depth = 1): ValidationTree | null {
  if (value === null || typeof value !== 'object') return null;
  const tree: ValidationTree = {};
  for (const [key, child] of Object.entries(value)) {
    const inKey = unstorable(key);
    if (inKey) tree[key] = `property names must not contain ${inKey}`;
    else if (typeof child === 'string') { const inValue = unstorable(child); if (inValue) tree[key] = `${key} must not contain ${inValue}`; }
    else if (depth >= MAX_DEPTH && child !== null && typeof child === 'object') tree[key] = `${key} is nested more than ${MAX_DEPTH} levels deep`;
    else { const sub = unstorableCharacterErrors(child, depth + 1); if (sub) tree[key] = sub; }
  }
  return Object.keys(tree).length > 0 ? tree : null;
}
