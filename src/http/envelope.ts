import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

/**
 * The seeds' response envelope. Every route answers through ok() on success
 * and through the error handler on failure, and declares these schemas so the
 * OpenAPI document shows the exact shapes.
 */
const PAGINATION = { page: Type.Integer(), limit: Type.Integer(), total: Type.Integer(), totalPages: Type.Integer() };
const META = {
  timestamp: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
  dispatch: Type.Optional(Type.Boolean({ description: 'true when work was queued for asynchronous processing' })),
};
export const Meta = Type.Object({ ...META, pagination: Type.Optional(Type.Object(PAGINATION)) });
/**
 * The meta of a list paged by cursor too (db/list-cursor.ts): its pagination also tells where the
 * page ended, `nextCursor` (`when`: which of its orders have one).
 */
export const CursorPageMeta = (when = '') => Type.Object({
  ...META,
  pagination: Type.Object({
    ...PAGINATION,
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: `${when}send it as \`after\` (and no \`page\`) for the next page: it starts after this page's last item, wherever items were added or left since (null: this page is the last${when ? ', or another order' : ''})`,
    }),
  }),
});
/** The product list's meta: a cursor for its orders by a time (catalog/product-cursor.ts). */
export const ProductPageMeta = CursorPageMeta('ordered by createdAt or updatedAt: ');

/** meta.pagination of a page of `total` items, and where it ended. */
export const cursorPageMeta = (q: { page: number; limit: number }, total: number, nextCursor: string | null) =>
  ({ pagination: { ...paginationMeta(q, total).pagination, nextCursor } });

/**
 * The `page` query parameter of every paginated list. Bounded: ?page=100000000000000000000 passed
 * as an integer and reached PostgreSQL as an OFFSET past bigint, a 500; a million pages of the
 * largest limit is more rows than any list holds.
 */
export const MAX_PAGE = 1_000_000;
export const PageNumber = () => Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 });
/** The `after` query parameter of a list paged by cursor: the nextCursor of the page before. */
export const AfterCursor = () => Type.Optional(Type.String({
  maxLength: 200,
  description: 'the nextCursor of the page before (without page): the page after its last item, wherever items were added or left since. '
    + 'By page instead, which counts from the start each time, an item added at the head of the list since shows the last one read again',
}));

/** meta.pagination of a page of `total` items. */
export const paginationMeta = (q: { page: number; limit: number }, total: number) =>
  ({ pagination: { page: q.page, limit: q.limit, total, totalPages: Math.ceil(total / q.limit) } });

export const Envelope = <T extends TSchema, M extends TSchema = typeof Meta>(data: T, meta?: M) => Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  requestId: Type.String({ format: 'uuid' }),
  meta: meta ?? Meta,
  data,
});

export const ErrorEnvelope = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({
    code: Type.String({ examples: ['AUTH_010'] }),
    message: Type.String(),
    details: Type.Object({
      timestamp: Type.String({ format: 'date-time' }),
      hint: Type.String(),
      context: Type.Record(Type.String(), Type.Unknown()),
    }),
  }),
  requestId: Type.String({ format: 'uuid' }),
}, { $id: 'ErrorEnvelope', description: 'Error envelope; each operation lists the codes it answers (error-responses.ts), docs/errors.md all of them' });

export function ok<T>(reply: FastifyReply, message: string, data: T, meta: { dispatch?: boolean; pagination?: unknown } = {}) {
  return {
    success: true as const,
    message,
    requestId: reply.request.id,
    meta: { timestamp: new Date().toISOString(), durationMs: Math.round(reply.elapsedTime), ...meta },
    data,
  };
}
