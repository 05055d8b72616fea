/**
 * The raw text of the member `key` of the JSON object `json` (the last one, as JSON.parse keeps
 * the last of repeated keys), exactly as sent: its spacing, number spellings and escapes; or
 * undefined when the object has no such member. `json` must be text JSON.parse accepted (the body
 * parser has parsed it): this only finds where each value ends.
 */
export function rawJsonMember(json: string, key: string): string | undefined {
  let i = skipSpace(json, 0);
  if (json[i] !== '{') return undefined;
  let found: string | undefined;
  i = skipSpace(json, i + 1);
  while (json[i] === '"') {
    const keyEnd = endOfString(json, i);
    const name = JSON.parse(json.slice(i, keyEnd)) as string;
    const start = skipSpace(json, skipSpace(json, keyEnd) + 1); // past the ':'
    const end = endOfValue(json, start);
    if (name === key) found = json.slice(start, end);
    i = skipSpace(json, end);
    if (json[i] === ',') i = skipSpace(json, i + 1);
  }
  return found;
}

const SPACE = new Set([' ', '\t', '\n', '\r']);

function skipSpace(json: string, i: number): number {
  while (SPACE.has(json[i])) i++;
  return i;
}

/** Past the closing quote of the string opening at `i`. */
function endOfString(json: string, i: number): number {
  for (let j = i + 1; ; ) {
    const next = json.indexOf('"', j);
    // The quote is escaped when an odd number of backslashes precede it.
    let slashes = 0;
    while (json[next - 1 - slashes] === '\\') slashes++;
    if (slashes % 2 === 0) return next + 1;
    j = next + 1;
  }
}

/** Past the end of the value starting at `i`. */
function endOfValue(json: string, i: number): number {
  const c = json[i];
  if (c === '"') return endOfString(json, i);
  if (c !== '{' && c !== '[') {
    let j = i;
    while (j < json.length && !SPACE.has(json[j]) && json[j] !== ',' && json[j] !== '}' && json[j] !== ']') j++;
    return j;
  }
  let depth = 0;
  const token = /["{}[\]]/g;
  token.lastIndex = i;
  for (let m = token.exec(json); m; m = token.exec(json)) {
    if (m[0] === '"') { token.lastIndex = endOfString(json, m.index); continue; }
    depth += m[0] === '{' || m[0] === '[' ? 1 : -1;
    if (depth === 0) return m.index + 1;
  }
  return json.length;
}
