import { emptyTree, MAX_TOLD_FIELDS, UNTOLD_KEY, type ValidationTree } from './validation-errors.js';

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
 * The text with what PostgreSQL cannot store written as its JSON escape (a NUL as the six
 * characters \u0000, a lone surrogate as \udXXX): for a message that quotes what a caller sent.
 */
export function storableText(text: string): string {
  return text.replace(/\0|\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * How deep the VAL_001 tree follows a body: a body nested thousands of levels deep would make a
 * tree too deep to serialise (JSON.stringify's stack), so what lies deeper is told at this depth.
 */
const MAX_TREE_DEPTH = 32;

/** Whether anything (key or string) in a parsed value is unstorable, without building paths. */
function holdsUnstorable(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') { if (unstorable(v)) return true; continue; }
    if (v === null || typeof v !== 'object') continue;
    for (const [key, child] of Object.entries(v)) {
      if (unstorable(key)) return true;
      stack.push(child);
    }
  }
  return false;
}

/**
 * The VAL_001 tree of the strings (and keys) PostgreSQL cannot store in a parsed body, by path:
 * the first MAX_TOLD_FIELDS of them, the others counted under UNTOLD_KEY, as a schema's tree
 * (a 9.5 MB body of 600,000 such keys was answered 35 MB, the event loop held 4.3 s; QA).
 */
export function unstorableCharacterErrors(value: unknown): ValidationTree | null {
  const budget = { told: 0, untold: 0 };
  const tree = unstorableIn(value, 0, budget);
  if (tree && budget.untold > 0) tree[UNTOLD_KEY] = `and ${budget.untold} more ${budget.untold === 1 ? 'error' : 'errors'} (the first ${MAX_TOLD_FIELDS} fields are told)`;
  return tree;
}

function unstorableIn(value: unknown, depth: number, budget: { told: number; untold: number }): ValidationTree | null {
  if (value === null || typeof value !== 'object') return null;
  const tree = emptyTree();
  const tell = (key: string, message: string) => {
    if (budget.told >= MAX_TOLD_FIELDS) { budget.untold++; return; }
    budget.told++;
    tree[key] = message;
  };
  for (const [key, child] of Object.entries(value)) {
    const inKey = unstorable(key);
    if (inKey) tell(key, `property names must not contain ${inKey}`);
    else if (typeof child === 'string') { const inValue = unstorable(child); if (inValue) tell(key, `${key} must not contain ${inValue}`); }
    else if (depth + 1 >= MAX_TREE_DEPTH) {
      if (holdsUnstorable(child)) tell(key, `${key} holds, deeper than ${MAX_TREE_DEPTH} levels, text PostgreSQL cannot store (\\u0000 or a lone UTF-16 surrogate)`);
    } else { const sub = unstorableIn(child, depth + 1, budget); if (sub) tree[key] = sub; }
  }
  return Object.keys(tree).length > 0 ? tree : null;
}
