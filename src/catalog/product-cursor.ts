import { AppError } from '../errors/app-error.js';

/**
 * The product list's cursor (`after`, `meta.pagination.nextCursor`): where a page ended, as the
 * list's order and the last product's place in it, its sort time to the microsecond and its id.
 * Paging by `page` counts rows from the list's start again at every request, so a product updated
 * between two pages of an `updatedSince` read (sortBy=updatedAt, asc) left its place, the
 * products after it moved up one, and the next page began one too far: one product never read. A
 * cursor starts after the product that ended the page, wherever the others have moved (the keyset
 * pagination of Stripe's `starting_after`). Opaque to the partner: base64url of
 * "sortBy.order.microseconds.id"; only for the orders by a time (createdAt, updatedAt), which every
 * product has and which the cursor can hold exactly.
 */
export type CursorSort = 'createdAt' | 'updatedAt';
export interface ProductCursor { sortBy: CursorSort; order: 'asc' | 'desc'; micros: string; id: string }

export const CURSOR_SORTS: readonly string[] = ['createdAt', 'updatedAt'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Microseconds since 1970 of a time from year 1 to 9999 (18 digits at most; before 1970 negative). */
const MICROS = /^-?\d{1,18}$/;
const YEAR_1 = -62135596800000000n;
const YEAR_9999_END = 253402300799999999n;
const isTime = (micros: string) => MICROS.test(micros) && BigInt(micros) >= YEAR_1 && BigInt(micros) <= YEAR_9999_END;

export const encodeCursor = (c: ProductCursor) => Buffer.from(`${c.sortBy}.${c.order}.${c.micros}.${c.id}`).toString('base64url');

/** VAL_001 on the query's `after`, as the schema's own refusals of a query parameter read. */
const refuse = (message: string) => new AppError('VAL_001', { validationErrors: { querystring: { after: `after ${message}` } } });

/**
 * The cursor a request sends, checked against the order it asks for: a cursor of another order
 * would start a page at a place that means nothing in this one.
 */
export function decodeCursor(after: string, q: { sortBy: string; order: 'asc' | 'desc'; page: number }): ProductCursor {
  if (!CURSOR_SORTS.includes(q.sortBy)) throw refuse('pages the orders by createdAt or updatedAt only: use page for the others');
  if (q.page !== 1) throw refuse('starts its own page: send it without page');
  const parts = /^[A-Za-z0-9_-]+$/.test(after) ? Buffer.from(after, 'base64url').toString('utf8').split('.') : [];
  const [sortBy, order, micros, id] = parts as [CursorSort, 'asc' | 'desc', string, string];
  if (parts.length !== 4 || !CURSOR_SORTS.includes(sortBy) || (order !== 'asc' && order !== 'desc') || !isTime(micros) || !UUID.test(id)) {
    throw refuse('must be a nextCursor this list returned');
  }
  if (sortBy !== q.sortBy || order !== q.order) throw refuse(`was made for sortBy=${sortBy}&order=${order}: send the same order`);
  return { sortBy, order, micros, id };
}
