import { isMicros, NOT_OURS, packCursor, refuseCursor, unpackCursor, UUID, WITHOUT_PAGE } from '../db/list-cursor.js';

/**
 * The product list's cursor (`after`, `meta.pagination.nextCursor`): where a page ended, as the
 * list's order and the last product's place in it, its sort time to the microsecond and its id.
 * Paging by `page` counts rows from the list's start again at every request, so a product updated
 * between two pages of an `updatedSince` read (sortBy=updatedAt, asc) left its place, the
 * products after it moved up one, and the next page began one too far: one product never read. A
 * cursor starts after the product that ended the page, wherever the others have moved (the keyset
 * pagination of Stripe's `starting_after`). Opaque to the partner: base64url of
 * "sortBy.order.microseconds.id"; only for the orders by a time (createdAt, updatedAt), which every
 * product has and which the cursor can hold exactly (db/list-cursor.ts: the other lists' cursors).
 */
export type CursorSort = 'createdAt' | 'updatedAt';
export interface ProductCursor { sortBy: CursorSort; order: 'asc' | 'desc'; micros: string; id: string }

export const CURSOR_SORTS: readonly string[] = ['createdAt', 'updatedAt'];

export const encodeCursor = (c: ProductCursor) => packCursor([c.sortBy, c.order, c.micros, c.id]);

/**
 * The cursor a request sends, checked against the order it asks for: a cursor of another order
 * would start a page at a place that means nothing in this one.
 */
export function decodeCursor(after: string, q: { sortBy: string; order: 'asc' | 'desc'; page: number }): ProductCursor {
  if (!CURSOR_SORTS.includes(q.sortBy)) throw refuseCursor('pages the orders by createdAt or updatedAt only: use page for the others');
  if (q.page !== 1) throw refuseCursor(WITHOUT_PAGE);
  const parts = unpackCursor(after);
  const [sortBy, order, micros, id] = parts as [CursorSort, 'asc' | 'desc', string, string];
  if (parts.length !== 4 || !CURSOR_SORTS.includes(sortBy) || (order !== 'asc' && order !== 'desc') || !isMicros(micros) || !UUID.test(id)) {
    throw refuseCursor(NOT_OURS);
  }
  if (sortBy !== q.sortBy || order !== q.order) throw refuseCursor(`was made for sortBy=${sortBy}&order=${order}: send the same order`);
  return { sortBy, order, micros, id };
}
