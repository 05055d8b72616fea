import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { hasEscapedNul, nulCharacterErrors } from '../validation/nul-characters.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received: partner signatures hash these, not a re-serialisation. */
    rawBody?: Buffer;
  }
}

/** JSON bodies, keeping the raw bytes for signature verification. */
export function registerJsonBody(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) {
      const err = Object.assign(new Error('Body cannot be empty when content-type is set to application/json'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 });
      return done(err, undefined);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return done(Object.assign(e as Error, { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
    }
    // PostgreSQL's text cannot hold NUL: refused here, for every route, with where it was.
    const nul = hasEscapedNul(body) ? nulCharacterErrors(parsed) : null;
    if (nul) return done(new AppError('VAL_001', { validationErrors: nul }), undefined);
    done(null, parsed);
  });
}
