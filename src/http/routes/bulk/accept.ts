import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { ok } from '../../envelope.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { idempotent, type IdempotencyRequest, type StoredForm } from '../../../batches/idempotency.js';
import type { Transaction } from '../../../db/database.js';
import type { RequestOrigin } from '../../../audit/audit-log.js';

/**
 * The body's array of rows, handed over to the accept service: the request stops holding
 * the parsed body, so once the service has checked the rows (synchronously) nothing keeps
 * them alive through the request's queries (catalog/product-rows.ts, checkRows).
 */
export function takeRows(request: FastifyRequest, field: string): unknown[] {
  const rows = (request.body as Record<string, unknown[]>)[field];
  request.body = undefined;
  return rows;
}

/**
 * The request an accepted batch comes from: its audit events name it and its caller's address
 * (the socket's peer: the app trusts no X-Forwarded-For, as for the PIM's bulk jobs).
 */
export const originOf = (request: FastifyRequest): RequestOrigin => ({ requestId: request.id, ip: request.ip });

/**
 * Runs an accept service under the request's Idempotency-Key and renders the envelope. `dispatch`
 * says whether rows were queued for processing: a request whose every row was refused at once is
 * answered with its batch already ended (FAILED) and no job, where it said true (QA).
 */
export async function accept(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, message: string, run: (tx: Transaction) => Promise<unknown>) {
  const { storeId, partnerId } = storeOf(request);
  return sendIdempotently(deps, request, reply, { storeId, partnerId }, async (tx) => {
    const data = await run(tx);
    return ok(reply, message, data, { dispatch: ((data as { summary?: { pending?: number } }).summary?.pending ?? 0) > 0 });
  });
}

/**
 * Answers `run`'s 200 body under the request's Idempotency-Key (the store's keys, or a scope's of
 * them): the first request runs, a retry gets that answer again with `idempotent-replayed: true`.
 */
export async function sendIdempotently<T>(deps: AppDeps, request: FastifyRequest, reply: FastifyReply,
  keys: { storeId: string; scope?: IdempotencyRequest['scope']; partnerId?: string }, run: (tx: Transaction) => Promise<T>, form?: StoredForm<T>) {
  const result = await idempotent(deps.sql, {
    ...keys, key: request.headers['idempotency-key'] as string | undefined,
    route: `${request.method} ${request.routeOptions.url}`, rawBody: request.rawBody, ttlHours: deps.config.IDEMPOTENCY_KEY_TTL_HOURS,
  }, async (tx) => ({ status: 200, body: await run(tx) }), form);
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(result.status).send(result.body);
}

