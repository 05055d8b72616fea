import type { ErrorObject } from 'ajv';

/**
 * The pattern of a text field that must hold a visible character: "must not be blank". Not white
 * space, and not a character that shows nothing either (\S let these through, QA): controls,
 * invisible format characters (zero-width space and joiners, direction marks and isolates, the
 * soft hyphen, word joiner, BOM), variation selectors and the combining grapheme joiner, fillers
 * (Hangul, Khmer, the blank Braille pattern). Written with \u escapes alone, no \p{…}: the pattern
 * goes out in the OpenAPI document, and a client compiling it without the `u` flag (or Python's
 * re) read \p{Cc} as the letters p, {, C, c (review). Format characters that show (U+0600-0605,
 * U+06DD: Arabic number signs) are not listed, nor invisible characters past U+FFFF (tags,
 * variation selectors 17-256: a \u escape names one UTF-16 unit), which a text of them alone passes.
 */
export const NOT_BLANK = '[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F'
  + '\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u2800\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF9-\\uFFFB]';
/**
 * Whether text holds a visible character, past the BMP too (the server's own check, the format
 * `visible-text` beside NOT_BLANK): not white space, a control, a format character (but the
 * prepended concatenation marks, which show a sign), a default-ignorable one (variation
 * selectors, fillers, tags U+E0000…) or the blank Braille pattern. A name of tag characters
 * alone, or of U+1D173, passed NOT_BLANK (Unicode QA).
 */
export const VISIBLE = /[\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}]|[^\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u;
/** The schema of a text field that must hold a visible character: NOT_BLANK for clients, VISIBLE for the server. */
export const visibleText = { pattern: NOT_BLANK, format: 'visible-text' } as const;

/**
 * Turns Ajv errors into the seeds' VAL_001 context: a tree keyed by property
 * path (products -> "0" -> field) whose leaves are class-validator's wording,
 * several failures of one field joined by ", " (e.g. "externalId must be
 * shorter than or equal to 255 characters, externalId must be a string").
 *
 * Ajv stops at a type mismatch, while class-validator reports every constraint
 * a wrong-typed value fails; so on a type error we list all of the property's
 * constraints, as class-validator would.
 */
export type ValidationTree = { [key: string]: string | ValidationTree };

/**
 * A tree without a prototype: its keys come from the request (a body's property names), and on a
 * plain object `tree["__proto__"]` is Object.prototype, so a body with a "__proto__" key wrote
 * its message onto every object of the process, and a child set under it was lost.
 */
export const emptyTree = (): ValidationTree => Object.create(null);

type Schema = Record<string, any>;

const ORDER = ['maxLength', 'minLength', 'format', 'pattern', 'enum', 'minimum', 'exclusiveMinimum', 'maximum', 'minItems', 'maxItems', 'uniqueItems', 'type'];

const FORMAT_MESSAGES: Record<string, string> = {
  uri: 'must be a URL address',
  'http-url': 'must be an http(s) URL address without credentials',
  uuid: 'must be a UUID',
  'date-time': 'must be a valid ISO 8601 date string like 2024-01-31T12:00:00Z or 2024-01-31T13:00:00+01:00, from year 0001 to 9999 (UTC), without a leap second',
  email: 'must be an email',
  'visible-text': 'must not be blank',
};

function typeMessage(schema: Schema): string {
  switch (schema.type) {
    case 'string': return 'must be a string';
    case 'integer': return 'must be an integer number';
    case 'number': return 'must be a number conforming to the specified constraints';
    // The words a query's value takes: Python's str(True) sent "True" (raw-HTTP partner QA).
    case 'boolean': return 'must be a boolean value (true or false)';
    case 'array': return 'must be an array';
    // class-validator's words for a nested object were "must be either object or array", which
    // told a caller who sent an array (`variants: [...]`) that an array would do (QA).
    case 'object': return 'must be a JSON object';
    default: return `must be ${schema.type ?? 'valid'}`;
  }
}

function literalValues(schema: Schema): unknown[] | undefined {
  const branches: Schema[] | undefined = schema.anyOf;
  if (branches && branches.length > 0 && branches.every((b) => 'const' in b)) return branches.map((b) => b.const);
  return schema.enum;
}

/** The message of one constraint keyword of `schema`, without the property name. */
function keywordMessage(keyword: string, schema: Schema): string | undefined {
  switch (keyword) {
    case 'maxLength': return `must be shorter than or equal to ${schema.maxLength} characters`;
    case 'minLength': return `must be longer than or equal to ${schema.minLength} characters`;
    case 'format': return FORMAT_MESSAGES[schema.format] ?? `must be a valid ${schema.format}`;
    case 'pattern': return schema.pattern === NOT_BLANK ? 'must not be blank' : `must match ${schema.pattern} regular expression`;
    case 'enum': return `must be one of the following values: ${literalValues(schema)?.join(', ')}`;
    case 'minimum': return `must not be less than ${schema.minimum}`;
    case 'exclusiveMinimum': return schema.exclusiveMinimum === 0 ? 'must be a positive number' : `must be greater than ${schema.exclusiveMinimum}`;
    case 'maximum': return `must not be greater than ${schema.maximum}`;
    case 'minItems': return `must contain at least ${schema.minItems} elements`;
    case 'maxItems': return `must contain no more than ${schema.maxItems} elements`;
    case 'uniqueItems': return "all elements must be unique";
    case 'maxProperties': return `must contain no more than ${schema.maxProperties} properties`;
    // An object of optional fields that wants some of them (a PATCH body): names them.
    case 'minProperties': return schema.properties
      ? `must contain at least ${schema.minProperties === 1 ? 'one' : schema.minProperties} of: ${Object.keys(schema.properties).join(', ')}`
      : `must contain at least ${schema.minProperties} properties`;
    // One allowed value (a Literal): class-validator's `equals` words; ajv's own was "must be
    // equal to constant", which did not say which (PATCH webhook endpoint {enabled: false}).
    case 'const': return `must be equal to ${typeof schema.const === 'string' ? schema.const : JSON.stringify(schema.const)}`;
    case 'type': return typeMessage(schema);
    default: return undefined;
  }
}

/** Whether number `n` breaks bound `keyword` of the schema (undefined: the keyword is no bound). */
function breaks(keyword: string, schema: Schema, n: number | undefined): boolean | undefined {
  const bound = schema[keyword];
  switch (keyword) {
    case 'minimum': return n !== undefined && n < bound;
    case 'exclusiveMinimum': return n !== undefined && n <= bound;
    case 'maximum': return n !== undefined && n > bound;
    default: return undefined;
  }
}

/**
 * A value of the wrong type as a number, when it reads as one: a number (1.5 for an integer), or
 * the text of one, as a query value ajv could not convert ("2.5" for an integer) stays.
 */
function asNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Every constraint message of a schema: what class-validator reports for a missing value. For a
 * value of the wrong type (`wrong`), the bounds of a number only when the value, read as a number,
 * breaks them: `?limit=2.5` was told "limit must not be less than 1, limit must not be greater
 * than 500, limit must be an integer number", the first two false. Other constraints stay, as
 * seed 000 words a number given for a string ("… shorter than or equal to 255 characters, … must be a string").
 */
function allConstraintMessages(schema: Schema, wrong?: { data: unknown }): string[] {
  if (literalValues(schema)) return [keywordMessage('enum', schema)!];
  const nonNull = schema.anyOf?.find((b: Schema) => b.type !== 'null');
  if (nonNull) return allConstraintMessages(nonNull, wrong);
  const n = wrong && asNumber(wrong.data);
  return ORDER.filter((k) => k !== 'enum' && k in schema && (!wrong || breaks(k, schema, n) !== false))
    .map((k) => keywordMessage(k, schema)!).filter(Boolean);
}

function decode(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

interface Finding { path: string[]; messages: string[] }

/** A schema's object or array branch when it is a union (a nullable object, say), else itself. */
const shapeOf = (s: Schema | undefined): Schema | undefined =>
  (s?.anyOf ? s.anyOf.find((b: Schema) => b.type === 'object' || b.type === 'array') : s);

/** The object schema that holds the property `path` ends with, walked down from the validated `root`. */
function holderOf(root: Schema | undefined, path: string[]): Schema | undefined {
  let node = shapeOf(root);
  for (const segment of path.slice(0, -1)) {
    node = shapeOf(node?.type === 'array' ? node.items : node?.properties?.[segment]);
  }
  return node?.type === 'object' ? node : undefined;
}

function findingOf(err: ErrorObject, root?: Schema): Finding | undefined {
  const path = err.instancePath.split('/').slice(1).map(decode);
  const schema = (err.parentSchema ?? {}) as Schema;
  if (err.keyword === 'additionalProperties') {
    const prop = (err.params as { additionalProperty: string }).additionalProperty;
    return { path: [...path, prop], messages: [`property ${prop} should not exist`] };
  }
  if (err.keyword === 'required') {
    const prop = (err.params as { missingProperty: string }).missingProperty;
    const propSchema = (schema.properties ?? {})[prop] ?? {};
    return { path: [...path, prop], messages: [`${prop} should not be empty`, ...allConstraintMessages(propSchema)] };
  }
  // propertyNames: its own error only repeats the name's ("property name must be valid").
  if (err.keyword === 'propertyNames') return undefined;
  // The body itself: that alone (a body schema's other constraints say nothing to a body that is no object).
  if (err.keyword === 'type' && path.length === 0 && schema.type === 'object') return { path, messages: ['must be a JSON object'] };
  // A number that is not an integer, or a value that is no number: the bounds it breaks, if any
  // (a stock of 1.5 "must be an integer number", not also "must not be less than 0").
  if (err.keyword === 'type' || err.keyword === 'anyOf') {
    const messages = allConstraintMessages(schema, { data: err.data });
    // A required property sent as null is told as one left out ("should not be empty" first), as
    // class-validator's IsNotEmpty tells both: `products: null` was only "must be an array".
    const prop = path[path.length - 1];
    if (err.data === null && prop !== undefined && holderOf(root, path)?.required?.includes(prop)) messages.unshift(`${prop} should not be empty`);
    return { path, messages };
  }
  const msg = keywordMessage(err.keyword, schema);
  // A time zone offset whose + a query string turned into a space (2024-01-31T13:00:00 01:00): the
  // message said the form, not that the + must be sent as %2B (raw-HTTP partner QA).
  if (msg && err.keyword === 'format' && schema.format === 'date-time' && typeof err.data === 'string' && /\d \d{2}(?::?\d{2})?$/.test(err.data)) {
    return { path, messages: [`${msg}; a + in a query string is read as a space: send it as %2B`] };
  }
  return msg ? { path, messages: [msg] } : { path, messages: [err.message ?? 'is invalid'] };
}

function setLeaf(tree: ValidationTree, path: string[], message: string) {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'string') node[key] = Object.assign(emptyTree(), { _self: next });
    if (typeof node[key] !== 'object') node[key] = emptyTree();
    node = node[key] as ValidationTree;
  }
  const last = path[path.length - 1];
  if (typeof node[last] === 'object') (node[last] as ValidationTree)._self = message;
  else node[last] = message;
}

/**
 * A failed union (anyOf) is told by the one branch whose type the value has, when there is
 * exactly one: a specialPrice of 1e13 "must not be greater than …", a warehouse item object
 * with a bad stock "stock must not be less than 0". Otherwise (no branch or several) by the
 * union's own message, every constraint of it, as class-validator words a wrong type; its
 * branches' errors, nested ones included, are dropped.
 */
function narrowUnions(errors: ErrorObject[]): ErrorObject[] {
  let kept = errors;
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const prefix = `${union.schemaPath}/`;
    const branchOf = (e: ErrorObject) => (e.schemaPath.startsWith(prefix) ? e.schemaPath.slice(prefix.length).split('/')[0] : undefined);
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept) {
      const b = branchOf(e);
      if (b !== undefined) branches.set(b, [...(branches.get(b) ?? []), e]);
    }
    const typed = [...branches.values()].filter((errs) =>
      !errs.some((e) => e.instancePath === union.instancePath && (e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'enum')));
    kept = typed.length === 1
      ? kept.filter((e) => e !== union && (branchOf(e) === undefined || typed[0].includes(e)))
      : kept.filter((e) => branchOf(e) === undefined);
  }
  return kept;
}

/**
 * `root`: what the errors' root is, named where an error is of it as a whole: the body (a body
 * that is no object: "body must be a JSON object"), or a bulk request's row checked on its own
 * (`products[0]`): a null row was told "body must be a JSON object" of a body that was fine.
 */
export function toValidationTree(errors: ErrorObject[], root = 'body', uncheckedErrors = 0, schema?: Schema): ValidationTree {
  const byPath = new Map<string, { path: string[]; label: string; messages: string[] }>();
  // `uncheckedErrors`: errors of fields left out of ajv's run, counted with those the tree does not tell (row-validation.ts).
  let untold = uncheckedErrors;
  for (const err of narrowUnions(errors)) {
    if (err.keyword === 'if') continue;
    const finding = findingOf(err, schema);
    if (!finding) continue;
    let { path } = finding;
    let label = path[path.length - 1] ?? root;
    // A key that fails the object's propertyNames (its errors carry the key, at the object's path).
    if (err.propertyName !== undefined) label = `each key in ${label}`;
    // An item of a primitive array: class-validator says "each value in hashtags must be a string".
    if (path.length >= 2 && /^\d+$/.test(label) && err.keyword !== 'additionalProperties' && err.keyword !== 'required') {
      const parent = path[path.length - 2];
      path = path.slice(0, -1);
      label = `each value in ${parent}`;
    }
    if (path.length === 0) path = [root];
    const key = path.join('\u0000');
    if (!byPath.has(key) && byPath.size >= MAX_TOLD_FIELDS) { untold++; continue; }
    const entry = byPath.get(key) ?? { path, label, messages: [] };
    for (const m of finding.messages) {
      const full = m.startsWith('property ') || m.startsWith(`${label} `) ? m : `${label} ${m}`;
      if (!entry.messages.includes(full)) entry.messages.push(full);
    }
    byPath.set(key, entry);
  }
  const tree = emptyTree();
  for (const { path, messages } of byPath.values()) setLeaf(tree, path, messages.join(', '));
  if (untold > 0) tree[UNTOLD_KEY] = `and ${untold} more ${untold === 1 ? 'error' : 'errors'} (the first ${MAX_TOLD_FIELDS} fields are told)`;
  return tree;
}

/**
 * The fields a tree tells at most (a bulk request's row, or a whole body); the errors of any
 * other field are counted under UNTOLD_KEY. A row needs a few: 1,000 rows of 500 unknown
 * properties each (a 10 MB body) were answered with 500,000 messages, 29 MB built in ~4 s
 * with the API's event loop held, and stored again as the batch's row outcomes (QA).
 */
export const MAX_TOLD_FIELDS = 20;
/** Not a field name any schema has: where a tree counts the errors it does not tell. */
export const UNTOLD_KEY = '…';
