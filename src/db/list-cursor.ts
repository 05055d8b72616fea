import type postgres from 'postgres';
import type { Queryable } from './database.js';
import { AppError } from '../errors/app-error.js';

type Fragment = postgres.Fragment;

/**
 * Keyset cursors of the lists (`after`, `meta.pagination.nextCursor`): where a page ended, as the
 * last item's place in the list's order. Paging by `page` counts rows from the list's start at
 * every request, so on a list that grows at its head (newest first: batches, deliveries, bulk
 * jobs, issues) each item added between two reads pushed the page's last item onto the next
 * page, which began with it again; and an item that left the list (an issue resolved, a product
 * updated out of an ascending `updatedSince` read) pulled one the reader never saw onto the page
 * before. A cursor starts after the item that ended the page, wherever the others have moved
 * (Stripe's `starting_after`). Opaque to the caller: base64url of the list's name and the key's
 * parts, joined by dots; a cursor of another list, or one that does not decode to a key of this
 * list's form, is refused with VAL_001. One altered into another well-formed key (or another
 * store's) is only a position: the page after it, of the caller's own list, reads nothing more
 * than a page of that list would.
 */
export const packCursor = (parts: string[]) => Buffer.from(parts.join('.')).toString('base64url');

/** The parts of a cursor (none when it is not base64url: no part can then be checked). */
export const unpackCursor = (after: string): string[] =>
  /^[A-Za-z0-9_-]+$/.test(after) ? Buffer.from(after, 'base64url').toString('utf8').split('.') : [];

/** VAL_001 on the query's `after`, as the schema's own refusals of a query parameter read. */
export const refuseCursor = (message: string) => new AppError('VAL_001', { validationErrors: { querystring: { after: `after ${message}` } } });
export const NOT_OURS = 'must be a nextCursor this list returned';
/** A cursor starts its own page: `page` beside it would name a second place to start. */
export const WITHOUT_PAGE = 'starts its own page: send it without page';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Microseconds since 1970 of a time from year 1 to 9999 (18 digits at most; before 1970 negative). */
const MICROS = /^-?\d{1,18}$/;
const YEAR_1 = -62135596800000000n;
const YEAR_9999_END = 253402300799999999n;
export const isMicros = (micros: string) => MICROS.test(micros) && BigInt(micros) >= YEAR_1 && BigInt(micros) <= YEAR_9999_END;

/**
 * A time column to the microsecond, as text, the form a cursor holds it in (exact: extract's
 * numeric, then a bigint; a float8 is inexact past 2^53 µs, the year 2255).
 */
export const microsOf = (sql: Queryable, column: Fragment) => sql`(extract(epoch from ${column}) * 1000000)::bigint::text`;

/** The timestamptz a cursor's microseconds name, exactly (whole seconds and microseconds apart: bigint × interval goes through float8). */
export const timeOfMicros = (sql: Queryable, micros: string) =>
  sql`(timestamptz 'epoch' + (${micros}::bigint / 1000000) * interval '1 second' + (${micros}::bigint % 1000000) * interval '1 microsecond')`;

/** A place in a list ordered by a time, newest first, then by id: its time in microseconds and its id. */
export interface TimeKey { micros: string; id: string }

/**
 * The cursors of the lists ordered by (a time, a uuid id), both descending: `list` names the list
 * (a cursor of another list is refused). Each list has an index in that order after its keys
 * (migration 0132), from which a page starts at the cursor and stops at its limit.
 */
export function timeCursor(list: string) {
  return {
    encode: (key: TimeKey) => packCursor([list, key.micros, key.id]),
    decode(after: string, page: number): TimeKey {
      if (page !== 1) throw refuseCursor(WITHOUT_PAGE);
      const parts = unpackCursor(after);
      const [name, micros, id] = parts;
      if (parts.length !== 3 || name !== list || !isMicros(micros) || !UUID.test(id)) throw refuseCursor(NOT_OURS);
      return { micros, id };
    },
    /** The rows after `key` in the list's order; `time` and `id` are the columns. */
    after: (sql: Queryable, key: TimeKey | undefined, time: Fragment, id: Fragment) =>
      (key ? sql`and (${time}, ${id}) < (${timeOfMicros(sql, key.micros)}, ${key.id}::uuid)` : sql``),
  };
}

/**
 * A page read one item beyond its limit (`rows`, at most limit + 1): the page, and the cursor of
 * its last item when the extra one says another page follows (null: this page is the last).
 */
export function pageAndCursor<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? cursorOf(page[page.length - 1]) : null };
}
