import { isAscii, isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { mayHoldUnstorableCharacters } from '../validation/unstorable-characters.js';
import { AppError } from '../../errors/app-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received: partner signatures hash these, not a re-serialisation. */
    rawBody?: Buffer;
    /** The body's bytes hold an escape of a character PostgreSQL cannot store: looked at after authentication (request-parts.ts). */
    mayHoldUnstorable?: boolean;
  }
}

/**
 * The body as a string for JSON.parse, or undefined when it is not UTF-8. An ASCII body (most JSON serialisers escape the rest)
 * is read as latin1, which yields the same string: Node hands one of over ~1 MB to V8 as an
 * external string, a malloc'd copy, where UTF-8 decoding builds it on V8's heap, whose
 * large-object pages are mapped afresh for each (a 1.25 MB catalog request, node, this
 * machine: 0.17 ms against 3.7 ms; the ASCII check 0.01 ms).
 */
const bodyText = (body: Buffer) => (isAscii(body) ? body.toString('latin1') : isUtf8(body) ? body.toString('utf8') : undefined);

/**
 * Why a JSON body's encoding is refused (REQ_002, 415: RFC 9110 15.5.16), or undefined: bodies are
 * taken as sent, uncompressed (a Content-Encoding other than identity), and in UTF-8 (RFC 8259: a
 * charset of UTF-16 or UTF-32 is not; other labels, such as clients send by default, are ignored).
 */
function unsupportedEncoding(coding: string | undefined, contentType: string | undefined): Record<string, string> | undefined {
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
    return { contentEncoding: coding, reason: 'the body must be sent uncompressed (no Content-Encoding)' };
  }
  const charset = /;\s*charset\s*=\s*"?(utf-?(?:16|32)[a-z]*)/i.exec(contentType ?? '')?.[1];
  return charset ? { charset, reason: 'JSON bodies are UTF-8 (RFC 8259)' } : undefined;
}

/** Half of a UTF-16 surrogate pair: in unicode mode a pair is one code point, so only a lone half is of category Cs (as unstorable-characters.ts tells them). */
const LONE_SURROGATE = /\p{Cs}/gu;

/** JSON bodies, keeping the raw bytes for signature verification. */
export function registerJsonBody(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    // An operation that takes no body, sent an empty one with a JSON content type (a client
    // that sets it on every request): nothing to parse, as without the header. It was REQ_005,
    // "A JSON body is required for this request", for an operation that wants none.
    if (body.length === 0 && !request.routeOptions.schema?.body) return done(null, undefined);
    if (body.length === 0) {
      const err = Object.assign(new Error('Body cannot be empty when content-type is set to application/json'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 });
      return done(err, undefined);
    }
    // A compressed body was read as it came (a gzip one answered "not valid UTF-8", a plain one
    // labelled gzip was taken), and a UTF-16 one failed as malformed JSON: told what is wrong (QA).
    // After the empty body's pass: an operation without a body is not refused for a header (review).
    const refused = unsupportedEncoding(request.headers['content-encoding'], request.headers['content-type']);
    if (refused) return done(new AppError('REQ_002', { allowed: ['application/json'], ...refused }), undefined);
    // Bytes that are not UTF-8 (a latin1 "é") were decoded as U+FFFD and stored so, without a word.
    const text = bodyText(body);
    if (text === undefined) {
      const err = Object.assign(new Error('the body is not valid UTF-8: JSON bodies are UTF-8 (RFC 8259)'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
      return done(err, undefined);
    }
    let parsed: unknown;
    try {
      // A byte order mark before the JSON, as Notepad, PowerShell 5 and .NET write a UTF-8 file (sent
      // as it is by `omni demo curl --data @file`), is ignored as RFC 8259 lets a parser: it was
      // REQ_001 "Unexpected token '﻿'", naming a character that shows nothing (Unicode QA).
      parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (e) {
      // V8's reason quotes the text around the fault, cut by UTF-16 units: half of an emoji's
      // surrogate pair came back in the envelope, which a client decoding it as UTF-8 fails on (Unicode QA).
      const err = e as Error;
      err.message = err.message.replace(LONE_SURROGATE, '\uFFFD');
      return done(Object.assign(err, { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
    }
    // What PostgreSQL cannot store (NUL, lone surrogates) is refused for every route, with where it
    // was, once the caller is authenticated (request-parts.ts): refused here, an anonymous caller
    // got VAL_001 naming its fields instead of AUTH_001, and made the API build their tree (QA).
    request.mayHoldUnstorable = mayHoldUnstorableCharacters(body);
    done(null, parsed);
  });
  // Any other content type: an operation that takes no body, sent an empty one under a type a client
  // sets by default (Python's urllib: application/x-www-form-urlencoded on every POST with data=b''),
  // runs as without the header; it was REQ_002 before authentication and routing (an unbind of an
  // unknown store 415, not ONB_006; QA). A body, or a type on an operation that takes one, stays REQ_002,
  // refused unread (the stream is not consumed).
  app.addContentTypeParser('*', (request, _payload, done) => {
    const empty = request.headers['transfer-encoding'] === undefined && [undefined, '0'].includes(request.headers['content-length']);
    if (empty && !request.routeOptions.schema?.body) return done(null, undefined);
    done(Object.assign(new Error(`Unsupported Media Type: ${request.headers['content-type']}`), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
  });
}
