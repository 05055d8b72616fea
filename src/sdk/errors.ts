/** The body of every error response; docs/errors.md lists the codes. */
export interface ErrorEnvelope {
  success: false;
  error: { code: string; message: string; details: { timestamp: string; hint: string; context: Record<string, unknown> } };
  requestId: string;
}

/**
 * A non-2xx answer of `PartnerClient.call`: the envelope's code, message, details and requestId,
 * and the HTTP status. An answer that is not an envelope (a gateway's HTML page) has the code
 * `HTTP_<status>` and its text in `body`.
 */
export class PartnerApiError extends Error {
  override readonly name = 'PartnerApiError';
  readonly code: string;
  readonly details: ErrorEnvelope['error']['details'] | undefined;
  readonly requestId: string | undefined;

  constructor(readonly status: number, readonly body: unknown, readonly headers: Headers, message?: string) {
    const envelope = isErrorEnvelope(body) ? body : undefined;
    super(envelope ? envelope.error.message : message ?? `HTTP ${status}`);
    this.code = envelope?.error.code ?? `HTTP_${status}`;
    this.details = envelope?.error.details;
    this.requestId = envelope?.requestId ?? headers.get('x-request-id') ?? undefined;
  }
}

/**
 * The request never got an answer: the connection failed (refused, reset, DNS). `cause` is fetch's
 * error, `code` its cause's (ECONNRESET, ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET …), which the
 * message tells too: it read "fetch failed" whatever happened (QA).
 */
export class PartnerNetworkError extends Error {
  override readonly name = 'PartnerNetworkError';
  readonly code: string | undefined;
  constructor(readonly method: string, readonly url: string, cause: unknown) {
    const root = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    const code = typeof root?.code === 'string' ? root.code : undefined;
    const why = [code, typeof root?.message === 'string' && root.message !== code ? root.message : undefined].filter(Boolean).join(': ');
    super(`${method} ${url} failed: ${(cause as Error)?.message ?? cause}${why ? ` (${why})` : ''}`, { cause });
    this.code = code;
  }
}

/**
 * No full answer within the client's `timeoutMs`. The server may still have done the work: resend
 * a write only with the same Idempotency-Key (and the same body) to have it replayed, not redone.
 */
export class PartnerTimeoutError extends Error {
  override readonly name = 'PartnerTimeoutError';
  constructor(readonly method: string, readonly url: string, readonly timeoutMs: number) {
    super(`${method} ${url} got no answer within ${timeoutMs} ms`);
  }
}

/** `PartnerClient.waitForBatch` saw the batch still unfinished after its `timeoutMs`: it goes on; poll again later. */
export class PartnerBatchTimeoutError extends Error {
  override readonly name = 'PartnerBatchTimeoutError';
  constructor(readonly batchId: string, readonly status: string | undefined, readonly timeoutMs: number) {
    super(`batch ${batchId} still ${status} after ${timeoutMs} ms`);
  }
}

function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  const error = (body as ErrorEnvelope | undefined)?.error;
  return typeof error === 'object' && error !== null && typeof error.code === 'string';
}
