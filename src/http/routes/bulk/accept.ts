import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { ok } from '../../envelope.js';
import { storeOf } from '../../plugins/partner-auth.js';
import { idempotent } from '../../../batches/idempotency.js';
import type { Transaction } from '../../../db/database.js';

/** Runs an accept service under the request's Idempotency-Key and renders the envelope. */
export async function accept(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, message: string, run: (tx: Transaction) => Promise<unknown>) {
  const result = await idempotent(deps.sql, {
    storeId: storeOf(request).storeId, key: request.headers['idempotency-key'] as string | undefined,
    route: `${request.method} ${request.routeOptions.url}`, rawBody: request.rawBody, ttlHours: deps.config.IDEMPOTENCY_KEY_TTL_HOURS,
  }, async (tx) => ({ status: 200, body: ok(reply, message, await run(tx), { dispatch: true }) }));
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(result.status).send(result.body);
}

