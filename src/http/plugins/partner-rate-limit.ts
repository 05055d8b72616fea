import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '../../errors/app-error.js';

const WINDOW_MS = 60_000;

/** Checks one verified partner request against its partner's allowance, and says so in its answer's headers. */
export type PartnerRateCheck = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The per-partner request limit (PARTNER_RATE_LIMIT_PER_MINUTE; null when 0): a fixed window of a
 * minute per partner, counted in this process (@fastify/rate-limit's in-memory store). Keyed by
 * the partner the signature proved, after the check: keyed by the client id a request names, anyone
 * could spend a partner's allowance with unsigned requests. Every signed answer carries the
 * RateLimit-Limit, -Remaining and -Reset headers (the IETF draft's, as the plugin's enableDraftSpec
 * names them), a refused one REQ_010 with Retry-After.
 */
export async function partnerRateLimit(app: FastifyInstance, perMinute: number): Promise<PartnerRateCheck | null> {
  if (perMinute === 0) return null;
  // global: false: no route gets the plugin's own hooks; the check runs where the partner is known.
  await app.register(rateLimit, {
    global: false, max: perMinute, timeWindow: WINDOW_MS,
    // Partners seen within a window; past it the least recent one starts a fresh count.
    cache: 100_000,
    keyGenerator: (request) => request.partner!.partnerId,
  });
  const check = app.createRateLimit();
  return async (request, reply) => {
    const limit = await check(request);
    if (limit.isAllowed) return;
    const resetSeconds = Math.max(1, limit.ttlInSeconds);
    reply.header('ratelimit-limit', limit.max).header('ratelimit-remaining', limit.remaining).header('ratelimit-reset', resetSeconds);
    if (!limit.isExceeded) return;
    reply.header('retry-after', resetSeconds);
    throw new AppError('REQ_010', { limit: limit.max, windowSeconds: WINDOW_MS / 1000, retryAfterSeconds: resetSeconds });
  };
}
