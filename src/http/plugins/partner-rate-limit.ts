import type { FastifyReply } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { RequestWindows } from '../../auth/request-window.js';

const WINDOW_MS = 60_000;

/** Counts one request of a partner whose signature is proved, says where it stands in the answer's headers, and refuses it past the allowance. */
export type PartnerRateCheck = (partnerId: string, reply: FastifyReply) => void;

/**
 * The per-partner request limit (PARTNER_RATE_LIMIT_PER_MINUTE; null when 0): a fixed window of a
 * minute per partner, counted in this process. Keyed by the partner the signature proved, as soon
 * as it is proved (partner-auth.ts): keyed by the client id a request names, anyone could spend a
 * partner's allowance with unsigned requests; counted only once it passed every check, a partner's
 * requests refused for a wrong store token or a disabled account were neither counted nor told
 * (review). Every such answer carries RateLimit-Limit, -Remaining and -Reset (the IETF draft's
 * names, as GitHub's and others' X-RateLimit-*), a refused one REQ_010 with Retry-After.
 */
export function partnerRateLimit(perMinute: number): PartnerRateCheck | null {
  if (perMinute === 0) return null;
  const windows = new RequestWindows(perMinute, WINDOW_MS);
  return (partnerId, reply) => {
    const { limit, remaining, resetSeconds, allowed } = windows.count(partnerId);
    reply.header('ratelimit-limit', limit).header('ratelimit-remaining', remaining).header('ratelimit-reset', resetSeconds);
    if (allowed) return;
    reply.header('retry-after', resetSeconds);
    throw new AppError('REQ_010', { limit, windowSeconds: WINDOW_MS / 1000, retryAfterSeconds: resetSeconds });
  };
}
