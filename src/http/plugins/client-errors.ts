import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorCatalogue, type ErrorCode } from '../../errors/catalogue.js';
import { errorEnvelope } from './error-handler.js';

/** Node's parser and timeout errors, as catalogue codes: what Node and Fastify answer 408, 431 and 400. */
function codeOf(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQ_007';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'REQ_008';
  return 'REQ_009';
}

/**
 * Fastify's clientErrorHandler: a request Node refuses before Fastify has it (its body not arrived
 * within REQUEST_TIMEOUT_MS, headers over 16 KB, a malformed request line, header or chunk) is
 * answered in the envelope, with its code and an x-request-id, as every other error (Fastify's own
 * answer was a bare {"error","message","statusCode"} that no document described; QA). Nothing is
 * written when the request in flight was answered already (its signature refused before its body
 * came: the client had a whole 401, then an unasked 408 on the same connection), when it came whole
 * and is being answered, or when the socket is gone.
 */
export function answerClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = codeOf(err);
  const { status, message } = errorCatalogue[code];
  const requestId = randomUUID();
  this.log.info({ requestId, code, reason: err.code }, `request refused before routing: ${message}`);
  // The response of the request in flight: a 408 is its answer while its body has not all come; one
  // whose request came whole (pipelined before a malformed one) is still to be written, and an
  // answer here would take its place (review); it is lost with the connection, as Node's own handler loses it.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean; req?: { complete?: boolean } } })._httpMessage;
  const answered = answeredEarly.has(socket) || inFlight?.headersSent === true || inFlight?.req?.complete === true;
  if (socket.writable && !answered) {
    const body = JSON.stringify(errorEnvelope(requestId, code, {}));
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n`
      + `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** Connections whose request in flight was answered before its body had come (Node detached the response). */
const answeredEarly = new WeakSet<Socket>();

/** An onResponse hook: remembers a connection answered before its request's body came, until the body ends. */
export async function rememberAnsweredEarly(request: FastifyRequest) {
  const { raw } = request;
  if (raw.complete || !raw.socket) return;
  const socket = raw.socket;
  answeredEarly.add(socket);
  raw.once('end', () => answeredEarly.delete(socket));
}
