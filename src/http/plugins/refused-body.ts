import type { IncomingMessage } from 'node:http';

/** How long a refused body may take to arrive before the answer goes out anyway. */
const DRAIN_MAX_MS = 30_000;

/**
 * Reads and discards what is left of a request body refused as too large (REQ_003), before
 * the answer is sent. Fastify answers such a body at once, unread, with `Connection: close`:
 * a client still sending it (Node's fetch, Python's http.client; curl waits for
 * `100 Continue` only a second) then met the closed connection, EPIPE or ECONNRESET, and never
 * read the 413 and its envelope (2 MB and 12 MB bodies, fetch and http.client alike). At most
 * `maxBytes` more (a body declared larger is not read at all) and for at most 30 s; past either
 * the answer goes out and the connection closes, as before.
 */
export function drainRefusedBody(raw: IncomingMessage, maxBytes: number): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  const declared = Number(raw.headers['content-length']);
  if (declared > maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) { raw.pause(); done(); }
    };
    const timer = setTimeout(() => { raw.pause(); done(); }, DRAIN_MAX_MS);
    raw.on('data', onData).once('end', done).once('error', done).once('close', done);
    raw.resume();
  });
}
