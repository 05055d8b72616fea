import { MAX_PRICE } from '../catalog/product-schema.js';
import type { ProductWriteRow } from '../catalog/product-writer.js';
import { unstorable } from '../http/validation/unstorable-characters.js';
import { VISIBLE } from '../http/validation/validation-errors.js';
import { isHttpUrl } from '../http/validation/ajv.js';
import type { JobType } from './bulk-jobs.js';
import { UUID } from '../db/key-lookup.js';
import type { ErrorCode } from '../errors/catalogue.js';


/** An item that failed: its code (http/row-codes.ts pimItemCodes) and, in words, why. */
export interface ItemError { index: number; code: ErrorCode; error: string }

/** What a product with variants does not have of its own (seed 003: set on its variants), as the writer's input names it. */
const PER_VARIANT_FIELDS = ['price', 'specialPrice', 'sku'] as const;
export const setsPerVariantFields = (input: Record<string, unknown>) => PER_VARIANT_FIELDS.some((f) => input[f] !== undefined);

/**
 * An item that passed its checks: a product id to delete, or the writer's row for an
 * import or an update (`id` is then the product it updates).
 */
export interface CheckedItem { rowIndex: number; id?: string; write?: ProductWriteRow }

/** The fields of a PIM product object (`id`: the product an update changes). */
const ITEM_FIELDS: ReadonlySet<string> = new Set(['id', 'title', 'description', 'sku', 'barcode', 'external_id', 'price', 'special_price',
  'category', 'category_id', 'brand', 'brand_id', 'photos']);

/**
 * Fields an update may clear with null, as a Partner PATCH clears specialPrice (a product needs
 * a title and a price). Any other null is a value of the wrong type, refused: `price: null` or
 * `photos: null` was skipped without a word, and the item counted a success.
 */
const CLEARABLE: ReadonlySet<string> = new Set(['description', 'barcode', 'special_price']);
const MAX_PHOTOS = 20;

/**
 * The characters of a text as the Partner API counts them (ajv: code points): a title of 255
 * emoji is 510 UTF-16 units, and `.length` failed what the Partner API takes.
 */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * A price sent as text: digits with an optional fraction and exponent, spaces around allowed, in
 * at most MAX_DECIMAL_TEXT characters (a price of numeric(15, 2) needs 16). Written so that no
 * digit can be matched two ways: `\d+\.?\d*` could split a run of digits anywhere, and a
 * 40,000-digit price ending in `x` held the worker's event loop 6.8 s, the API's too where
 * `omni serve` runs both (QA, ReDoS); the length bound caps it whatever the pattern.
 */
const DECIMAL_TEXT = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i;
const MAX_DECIMAL_TEXT = 64;

/**
 * A PIM product object (snake_case, title = name) as the writer's camelCase input, or why it
 * cannot be written. Every value is checked against what its column stores (numeric(15, 2)
 * prices, text without NUL or lone surrogates): PostgreSQL refused such a value in the worker,
 * and the job stayed PROCESSING, retried for ever.
 */
function toInput(item: Record<string, any>, jobType: 'BULK_IMPORT' | 'BULK_UPDATE'): { input: Record<string, unknown> } | { error: string } {
  // A field no column stores was left out unsaid, and the item counted a success (`weight`,
  // `specialPrice` for special_price, `currency`): refused, as the Partner API refuses one.
  const unknown = Object.keys(item).filter((k) => !ITEM_FIELDS.has(k) || (k === 'id' && jobType === 'BULK_IMPORT'));
  if (unknown.length > 0) return { error: unknown.map((k) => `property ${k} should not exist`).join('; ') };
  // Blank: no visible character (white space, zero-width and format characters: as the Partner API's NOT_BLANK).
  const blank = typeof item.title === 'string' && !VISIBLE.test(item.title);
  if (jobType === 'BULK_IMPORT' && (item.title === undefined || item.title === null || blank)) return { error: 'title is required' };
  // An update may leave the title out, not blank it: a product keeps a title (seed 004), as PATCH keeps a name.
  if (blank) return { error: 'title must not be empty' };
  const input: Record<string, unknown> = {};
  const cleared = (k: string, to: string) => {
    if (item[k] !== null || jobType !== 'BULK_UPDATE' || !CLEARABLE.has(k)) return false;
    input[to] = null;
    return true;
  };
  /** nonBlank: a field the Partner API wants a character of (product-schema.ts: minLength 1): one not a space, as a title. */
  const str = (k: string, to: string, max = 255, nonBlank = false) => {
    if (item[k] === undefined) return null;
    // An update clears an optional field with null (a barcode INVALID_BARCODE flags, say), as a
    // Partner PATCH does; "" was the only way, and stored an empty string.
    if (cleared(k, to)) return null;
    if (typeof item[k] !== 'string' || (item[k].length > max && codePoints(item[k]) > max)) return `${k} must be a string of at most ${max} characters`;
    // A SKU of "" (or spaces) was stored, the product scored for having one, and the next item with it failed PRD_003.
    if (nonBlank && !VISIBLE.test(item[k])) return `${k} must not be empty`;
    const bad = unstorable(item[k]);
    if (bad) return `${k} must not contain ${bad}`;
    input[to] = item[k];
    return null;
  };
  const price = (k: string, to: string) => {
    if (item[k] === undefined || cleared(k, to)) return null;
    // A decimal string (seed 004: "price as decimal string"); Number() read "" and " " as 0, and "0x10" as 16.
    const n = typeof item[k] === 'string' ? (item[k].length <= MAX_DECIMAL_TEXT && DECIMAL_TEXT.test(item[k]) ? Number(item[k]) : NaN) : item[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > MAX_PRICE) return `${k} must be a non-negative number of at most ${MAX_PRICE}`;
    input[to] = n;
    return null;
  };
  const uuid = (k: string, to: string) => {
    if (item[k] === undefined) return null;
    if (typeof item[k] !== 'string' || !UUID.test(item[k])) return `${k} must be a uuid`;
    if (input[to] !== undefined && input[to] !== item[k].toLowerCase()) return `${k} and ${k}_id name different ids`;
    input[to] = item[k].toLowerCase();
    return null;
  };
  // Photos of another form failed nothing and were left out unsaid (a single URL string, a number in the list).
  const photos = () => {
    if (item.photos === undefined) return null;
    if (!Array.isArray(item.photos)) return 'photos must be an array of strings ([] removes them all)';
    const notText = item.photos.findIndex((p: unknown) => typeof p !== 'string');
    if (notText >= 0) return `photos/${notText} must be a string`;
    const bad = (item.photos as string[]).map((p, n) => [n, unstorable(p)] as const).find(([, why]) => why);
    if (bad) return `photos/${bad[0]} must not contain ${bad[1]}`;
    // What the Partner API takes (product-schema.ts: Url, at most 20): "not a url" was stored and exported.
    if (item.photos.length > MAX_PHOTOS) return `photos must have at most ${MAX_PHOTOS} items`;
    const notUrl = (item.photos as string[]).findIndex((p) => p.length > 2048 || !isHttpUrl(p));
    if (notUrl >= 0) return `photos/${notUrl} must be an http(s) URL without credentials, of at most 2048 characters`;
    input.photos = item.photos;
    return null;
  };
  const problems = [
    str('title', 'name'), str('description', 'description', 10000), str('sku', 'sku', 100, true), str('barcode', 'barcode', 14),
    str('external_id', 'externalId'), price('price', 'price'), price('special_price', 'specialPrice'),
    // The seed names the fields `category` and `brand`; they hold the taxonomy ids, as category_id and brand_id.
    uuid('category_id', 'categoryId'), uuid('category', 'categoryId'), uuid('brand_id', 'brandId'), uuid('brand', 'brandId'), photos(),
  ].filter(Boolean);
  return problems.length ? { error: problems.join('; ') } : { input };
}

/**
 * Where each product id of a deletion's payload first comes (ids compared case-blind). A
 * deletion names a product once: a repeated id is a failed "duplicate item" (the first
 * occurrence deletes it), so that every item is counted once, processed or failed.
 */
export function firstIndexOfIds(items: unknown[]) {
  const first = new Map<string, number>();
  items.forEach((raw, index) => {
    if (typeof raw === 'string' && UUID.test(raw) && !first.has(raw.toLowerCase())) first.set(raw.toLowerCase(), index);
  });
  return first;
}

/**
 * A chunk's items (from `offset` of the job's payload) checked: the writable ones, and the
 * errors of the others. `firstIndex`: a deletion's firstIndexOfIds over the whole payload.
 */
export function checkItems(jobId: string, jobType: JobType, items: unknown[], offset: number, firstIndex = new Map<string, number>()) {
  const checked: CheckedItem[] = [];
  const errors: ItemError[] = [];
  items.forEach((raw, k) => {
    const rowIndex = offset + k;
    if (jobType === 'BULK_DELETE') {
      const id = typeof raw === 'string' && UUID.test(raw) ? raw.toLowerCase() : null;
      const first = id === null ? undefined : firstIndex.get(id);
      if (id === null) errors.push({ index: rowIndex, code: 'VAL_001', error: 'not a product id' });
      else if (first !== undefined && first < rowIndex) errors.push({ index: rowIndex, code: 'PRD_004', error: `duplicate item: the product id of item ${first}` });
      else checked.push({ rowIndex, id });
      return;
    }
    const item = raw as Record<string, any>;
    const mapped = toInput(item, jobType);
    if ('error' in mapped) { errors.push({ index: rowIndex, code: 'VAL_001', error: mapped.error }); return; }
    if (jobType === 'BULK_UPDATE') {
      // Missing, or sent and not a product id (it said "required" of an id sent: QA), as BULK_DELETE says it.
      if (typeof item.id !== 'string' || !UUID.test(item.id)) {
        errors.push({ index: rowIndex, code: 'VAL_001', error: item.id === undefined || item.id === null ? 'id (the product id) is required' : 'id is not a product id (a uuid)' });
        return;
      }
      const id = item.id.toLowerCase();
      // A product with variants takes the item unless it sets what lives on its variants: then
      // the writer refuses it (bulk-job-processing.ts tells the item why first).
      const allowVariants = !setsPerVariantFields(mapped.input);
      checked.push({ rowIndex, id, write: { rowIndex, mode: 'update', id, input: mapped.input, placement: { kind: 'none' }, allowVariants } });
    } else {
      // A stable externalId when none is given: a rerun of the chunk finds it and creates nothing twice.
      const input = { externalId: `pim:${jobId}:${rowIndex}`, ...mapped.input };
      checked.push({ rowIndex, write: { rowIndex, mode: 'create', input, placement: { kind: 'none' } } });
    }
  });
  return { checked, errors };
}
