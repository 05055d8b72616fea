import { signRequest } from './signing.js';
import { decryptJsonField } from './decrypt-field.js';
import { PartnerApiError, PartnerBatchTimeoutError, PartnerNetworkError, PartnerTimeoutError } from './errors.js';
import { partnerOperations, type PartnerOperations } from './operations.js';

/** The most rows GET …/batches/{batchId} answers a page (its `limit`'s maximum). */
const BATCH_ROWS_PAGE = 1000;

export interface PartnerCredentials {
  partnerClientId: string;
  partnerSecret: string;
  storeClientId?: string;
  storeToken?: string;
}

export interface PartnerResponse<T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON envelope; the text as it came when the response is not JSON (a proxy's error page, say). */
  body: T;
}

export interface PartnerClientOptions {
  /**
   * Longest wait for a full answer (headers and body) before PartnerTimeoutError: 60 s, at most
   * 300 s, which Node's fetch waits for headers at most (a longer one failed at 300 s as a
   * PartnerNetworkError, and one past 2^31 - 1 ms was a 1 ms timer: QA).
   */
  timeoutMs?: number;
}

/** The longest `timeoutMs`: Node's fetch (undici) gives up on headers, and on a body's silence, at 300 s. */
export const MAX_TIMEOUT_MS = 300_000;
/** A poll that got no answer (a reset, a refused connection: a deploy, a restart) is asked again this many times in a row at most. */
const POLL_NETWORK_RETRIES = 5;

type OperationArgs<K extends keyof PartnerOperations> =
  Record<string, never> extends PartnerOperations[K]['input'] ? [input?: PartnerOperations[K]['input']] : [input: PartnerOperations[K]['input']];
type OperationInput = { path?: Record<string, string>; query?: Record<string, string | number | boolean | undefined>; headers?: Record<string, string | undefined>; body?: unknown };

/**
 * A small signed client for the Omni Partner API. It signs the exact bytes it
 * sends, so what the server hashes is what was signed.
 */
export class PartnerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly credentials: PartnerCredentials,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly options: PartnerClientOptions = {},
  ) {
    const t = options.timeoutMs;
    if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= MAX_TIMEOUT_MS)) {
      throw new RangeError(`timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${t}`);
    }
  }

  /** A client for the same partner acting on another store. */
  forStore(storeClientId: string, storeToken: string): PartnerClient {
    return new PartnerClient(this.baseUrl, { ...this.credentials, storeClientId, storeToken }, this.fetchImpl, this.options);
  }

  /**
   * A client for the store a seller authorized: `storeAccess` is the `ENCRYPTED:` value of
   * `GET /api/v1/partner/onboard/store-access`, decrypted with your partner encryption key.
   */
  forStoreAccess(storeAccess: string, partnerEncryptionKey: string): PartnerClient {
    const { storeClientId, storeToken } = decryptJsonField<{ storeClientId: string; storeToken: string }>(storeAccess, partnerEncryptionKey);
    return this.forStore(storeClientId, storeToken);
  }

  /**
   * The same partner without store credentials, for partner-scoped routes (`/partner/webhooks/…`,
   * `/partner/onboard/…`, `GET /partner/stores`), which refuse store headers (AUTH_004).
   */
  forPartner(): PartnerClient {
    const { partnerClientId, partnerSecret } = this.credentials;
    return new PartnerClient(this.baseUrl, { partnerClientId, partnerSecret }, this.fetchImpl, this.options);
  }

  /**
   * Sends a signed request and resolves to the answer whatever its HTTP status. Throws
   * PartnerNetworkError when no answer came, PartnerTimeoutError after `timeoutMs`.
   */
  async request<T = any>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<PartnerResponse<T>> {
    return this.send<T>(method, path, body, extraHeaders, true);
  }

  /**
   * Calls a Partner API operation by its OpenAPI operationId, typed from the route schemas
   * (src/sdk/operations.ts, over src/sdk/openapi.ts): resolves to the 2xx envelope, throws PartnerApiError for any other
   * status. Partner-scoped operations are signed without the store headers (no AUTH_004), the
   * reference data is asked unsigned.
   */
  async call<K extends keyof PartnerOperations>(operation: K, ...[input]: OperationArgs<K>): Promise<PartnerOperations[K]['output']> {
    if (!Object.hasOwn(partnerOperations, operation)) throw new Error(`unknown operation ${String(operation)}: partnerOperations lists them`);
    const { method, path, scope } = partnerOperations[operation];
    const { path: params = {}, query = {}, headers = {}, body } = (input ?? {}) as OperationInput;
    if (scope === 'store' && this.credentials.storeClientId === undefined) throw new Error(`${operation} is a store operation: use forStore() or forStoreAccess() first`);
    const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => pathSegment(String(operation), name, params[name])) + (search ? `?${search}` : '');
    const sent = Object.fromEntries(Object.entries(headers).filter((h): h is [string, string] => h[1] !== undefined));
    const client = scope === 'partner' ? this.forPartner() : this;
    const res = await client.send<PartnerOperations[K]['output']>(method, url, body, sent, scope !== 'none');
    return envelopeOf(res, [200, 299]);
  }

  private async send<T>(method: string, path: string, body: unknown, extraHeaders: Record<string, string>, signed: boolean): Promise<PartnerResponse<T>> {
    // A base URL's path is a prefix of a gateway in front of Omni (https://gw.example/omni), which
    // it strips: the request goes under it, and the signature covers the path Omni sees.
    const base = new URL(this.baseUrl);
    const prefix = base.pathname.replace(/\/+$/, '');
    // A base URL written as the API pages write it (https://host/api/v1) and a path that names the
    // version too (every operation of `call`, `waitForBatch`) meet once: /api/v1/api/v1/… was a 404.
    const own = /(?:^|\/)api\/v1$/.test(prefix) && /^\/api\/v1(?:[/?]|$)/.test(path) ? path.slice('/api/v1'.length) : path;
    const url = new URL(prefix + own, base.origin);
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers = !signed ? {} : signRequest({
      secret: this.credentials.partnerSecret,
      method,
      path: url.pathname.slice(prefix.length) + url.search,
      partnerClientId: this.credentials.partnerClientId,
      storeClientId: this.credentials.storeClientId,
      storeToken: this.credentials.storeToken,
      body: raw,
    });
    if (raw !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      // No redirect followed: fetch carries every header but Authorization to another origin, and a
      // 307 sent the store token and a signed request, replayable for 300 s, wherever it pointed (QA).
      res = await this.fetchImpl(url, { method, headers: { ...headers, ...extraHeaders }, body: raw, signal, redirect: 'manual' });
      text = await res.text();
    } catch (error) {
      if (signal.aborted) throw new PartnerTimeoutError(method, url.href, timeoutMs);
      throw new PartnerNetworkError(method, url.href, error);
    }
    // Only a JSON answer is parsed: a gateway in front of Omni may answer a 502 with an HTML page.
    const json = /^application\/(?:[\w.+-]+\+)?json\b/i.test(res.headers.get('content-type') ?? '');
    return { status: res.status, headers: res.headers, body: text && json ? parsedOrText(text) : text || undefined };
  }

  /**
   * Polls a batch (`GET /api/v1/partner/stores/batches/{batchId}`, store credentials) every
   * `intervalMs` (1 s) until it is COMPLETED or FAILED, and resolves to that response with every
   * row's result in `data.rows` (the route pages them, 100 by default: the rows are read again
   * at the end, 1,000 a page, and joined; a batch refused on row 200 came back with rows 0-99
   * alone: QA). An answer other than 200 (BAT_001 for an unknown batch, an auth error) throws
   * PartnerApiError at once, as `call` does; a batch still unfinished after `timeoutMs`
   * (10 minutes), PartnerBatchTimeoutError. A poll or read refused for the partner's request
   * limit (429 REQ_010) or while the API is unavailable (503 SYS_002: a deploy, the database
   * away) waits the Retry-After it names, within `timeoutMs`, and asks again; one that got no
   * answer (a reset, a refused connection) is asked again after 0.5, 1, 2, 4 and 8 s, within
   * `timeoutMs` (the first of either ended the wait: QA). A webhook (docs/webhooks.md) spares the polling.
   */
  async waitForBatch<T = any>(batchId: string, opts: { intervalMs?: number; timeoutMs?: number } = {}): Promise<PartnerResponse<T>> {
    const { intervalMs = 1000, timeoutMs = 600_000 } = opts;
    const path = `/api/v1/partner/stores/batches/${encodeURIComponent(batchId)}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The status alone while it runs: one row a poll.
      const res = await this.readWithin(`${path}?limit=1`, deadline);
      if (['COMPLETED', 'FAILED'].includes(res.body?.data?.status)) return this.everyRowOf<T>(path, deadline);
      if (Date.now() + intervalMs > deadline) throw new PartnerBatchTimeoutError(batchId, res.body?.data?.status, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /**
   * A 200 answer of a GET, waiting out a refusal for the partner's request limit or an unavailable
   * API (429, 503: their Retry-After, else 503's backoff) and, five times in a row at most, no
   * answer, while each wait ends before `deadline`; any other answer, or a wait past it, throws.
   */
  private async readWithin(path: string, deadline: number): Promise<PartnerResponse> {
    // `waits`: the backoff's exponent, one more for each wait; `unanswered`: reads in a row that got no answer.
    for (let waits = 0, unanswered = 0; ; waits++) {
      const backoffMs = Math.min(8000, 500 * 2 ** waits);
      let res: PartnerResponse;
      try {
        res = await this.get(path);
        unanswered = 0;
      } catch (error) {
        // A GET is safe to ask again.
        unanswered++;
        if (!(error instanceof PartnerNetworkError) || unanswered > POLL_NETWORK_RETRIES || Date.now() + backoffMs > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        continue;
      }
      const retryAfter = res.status === 429 || res.status === 503 ? res.headers.get('retry-after') : null;
      const waitMs = retryAfter !== null && /^[0-9]+$/.test(retryAfter) ? Number(retryAfter) * 1000 : res.status === 503 ? backoffMs : NaN;
      if (waitMs >= 0 && Date.now() + waitMs <= deadline) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        continue;
      }
      // As `call` reads an answer: a portal's 200 page was polled as a batch still running, for the whole wait (QA).
      envelopeOf(res, [200, 200]);
      return res;
    }
  }

  /** An ended batch with all its rows: its pages of 1,000 (the route's largest) joined into the first's. */
  private async everyRowOf<T>(path: string, deadline: number): Promise<PartnerResponse<T>> {
    const page = (n: number) => this.readWithin(`${path}?page=${n}&limit=${BATCH_ROWS_PAGE}`, deadline);
    const first = await page(1);
    const pages = Number(first.body?.meta?.pagination?.totalPages ?? 1);
    for (let n = 2; n <= pages; n++) first.body.data.rows.push(...(await page(n)).body.data.rows);
    if (pages > 1) first.body.meta.pagination = { ...first.body.meta.pagination, limit: first.body.data.rows.length, totalPages: 1 };
    return first;
  }

  get<T = any>(path: string) { return this.request<T>('GET', path); }
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>) { return this.request<T>('POST', path, body, headers); }
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>) { return this.request<T>('PATCH', path, body, headers); }
  delete<T = any>(path: string) { return this.request<T>('DELETE', path); }
}

/**
 * A JSON answer's value, or its text when it does not parse: a gateway may label its error page
 * JSON, or an answer may be cut short; JSON.parse threw a SyntaxError from get/post/call then,
 * where they hand back, or make a PartnerApiError of, whatever the status.
 */
/**
 * The API's envelope of an answer whose status is within `ok`; else PartnerApiError: for a redirect,
 * which the client never follows (fetch would carry the signed headers and the store token to
 * wherever it points: QA), saying so; for a 2xx that is no envelope (a captive portal's page, an
 * answer cut short), which resolved to its text, and a sync's caller read no batchId and no error.
 */
function envelopeOf<T>(res: PartnerResponse<T>, [low, high]: [number, number]): T {
  if (res.status >= 300 && res.status <= 399) {
    throw new PartnerApiError(res.status, res.body, res.headers, `HTTP ${res.status} to ${res.headers.get('location') ?? 'no Location'}: `
      + 'the client follows no redirect (it would carry the signed headers and store token there); give it the base URL the API answers at');
  }
  if (res.status < low || res.status > high) throw new PartnerApiError(res.status, res.body, res.headers);
  if ((res.body as { success?: unknown } | undefined)?.success !== true) {
    throw new PartnerApiError(res.status, res.body, res.headers, `HTTP ${res.status} without the API's JSON envelope (a proxy's page, or an answer cut short)`);
  }
  return res.body;
}

/**
 * A path parameter as sent: percent-encoded, and never `.` or `..`, which a URL cannot carry as a
 * segment (WHATWG URL parsing, here and in every client and proxy, removes them, `%2E` too): a
 * product of SKU `..` read by SKU went to another route and answered VAL_001 of a parameter the
 * caller never sent (QA).
 */
function pathSegment(operation: string, name: string, value: string | undefined) {
  if (value === undefined || value === '') throw new Error(`${operation}: path parameter ${name} is missing`);
  if (value === '.' || value === '..') {
    throw new Error(`${operation}: path parameter ${name} is ${JSON.stringify(value)}, which no URL can carry as a path segment`
      + (name === 'sku' ? ' (find the product with getPartnerStoresProducts and query { q: sku }: an exact SKU matches)' : ''));
  }
  return encodeURIComponent(value);
}

function parsedOrText(text: string): any {
  try { return JSON.parse(text); } catch { return text; }
}
