import { connect, type Socket } from 'node:net';

/**
 * An open-loop load generator: request i is sent at start + i / rate, whether or
 * not earlier ones have answered (a stalled server does not slow the sender down,
 * so a stall shows in every request it delays). Latency runs from the moment the
 * request is written to the end of its response. Timers are only ms-precise, so a
 * request may leave up to ~1 ms after it was due; lagMs reports the worst such
 * delay, so a generator that could not keep up is seen. Kept-alive sockets, as
 * many as are in flight; the sender sleeps between requests (on 2 cores, a
 * spinning sender takes CPU from the server it measures).
 *
 * Why not autocannon: on this 2-core machine its fixed-rate mode measured a
 * server that does nothing at p99 27–35 ms at 500 req/s (its timers send in
 * bursts), which would hide everything a 15 ms target is about.
 *
 * Why not node:http: the sender shares the 2 cores with the server it measures, and
 * node:http's client cost ~0.5 ms of CPU a request here (10.8 s of 35 s of PATCH
 * requests, a fifth of the machine's CPU). Each request is encoded to its bytes before
 * the clock starts, written to a kept-alive socket (one request in flight on each), and
 * its response is read to the end of its Content-Length; a response framed any other way
 * (chunked) is counted as an error, so nothing is silently mis-measured.
 */
export interface OpenLoopRequest { method: string; path: string; headers: Record<string, string>; body?: string }

export interface OpenLoopResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The latest any request left after it was due. */
  lagMs: number;
  /** p99 of the requests sent in each second: a slow stretch shows as a few high seconds, a slow server as all of them. */
  p99BySecondMs: number[];
}

interface Connection { socket: Socket; pending: Buffer[]; size: number; done: ((status: number | null) => void) | null }

/** Requests as the bytes they are written as (done before a phase starts). */
export const encodeRequests = (baseUrl: string, requests: OpenLoopRequest[]) => requests.map((r) => encode(new URL(baseUrl).host, r));

function encode(host: string, r: OpenLoopRequest): Buffer {
  const body = r.body === undefined ? null : Buffer.from(r.body);
  let head = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\r\n`;
  head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** The status of the complete response at the start of `data`, with its length; null while incomplete; throws if it is not Content-Length framed. */
function parseResponse(data: Buffer): { status: number; length: number } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = data.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (!length) throw new Error(`response without content-length: ${head.split('\r\n')[0]}`);
  const total = end + 4 + Number(length[1]);
  return data.length >= total ? { status, length: total } : null;
}

export async function openLoop(baseUrl: string, rate: number, seconds: number, wire: Buffer[]): Promise<OpenLoopResult> {
  const url = new URL(baseUrl);
  const total = Math.min(wire.length, Math.round(rate * seconds));
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const latencies: number[] = [];
  const bySecond: number[][] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let lag = 0;

  const open = (): Connection => {
    const conn: Connection = { socket: connect({ host: url.hostname, port: Number(url.port) }), pending: [], size: 0, done: null };
    conn.socket.setNoDelay(true);
    conn.socket.on('data', (chunk: Buffer) => {
      conn.pending.push(chunk);
      conn.size += chunk.length;
      let parsed: ReturnType<typeof parseResponse>;
      const data = conn.pending.length === 1 ? conn.pending[0] : Buffer.concat(conn.pending, conn.size);
      try { parsed = parseResponse(data); } catch { conn.socket.destroy(); return; }
      if (!parsed) { conn.pending = [data]; return; }
      const rest = data.subarray(parsed.length);
      conn.pending = rest.length > 0 ? [rest] : [];
      conn.size = rest.length;
      const done = conn.done;
      conn.done = null;
      idle.push(conn);
      done?.(parsed.status);
    });
    const fail = () => { all.delete(conn); const i = idle.indexOf(conn); if (i >= 0) idle.splice(i, 1); const done = conn.done; conn.done = null; done?.(null); };
    conn.socket.on('error', fail);
    conn.socket.on('close', fail);
    all.add(conn);
    return conn;
  };

  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const fire = (due: number, bytes: Buffer) => {
    const conn = idle.pop() ?? open();
    const p = new Promise<void>((resolve) => {
      const sentAt = performance.now();
      lag = Math.max(lag, sentAt - due);
      conn.done = (status) => {
        if (status === null) { errors++; resolve(); return; }
        const ms = performance.now() - sentAt;
        latencies.push(ms);
        (bySecond[Math.floor((sentAt - started) / 1000)] ??= []).push(ms);
        if (status < 200 || status > 299) non2xx++;
        resolve();
      };
      conn.socket.write(bytes);
    });
    inFlight.add(p);
    p.then(() => inFlight.delete(p));
  };

  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + (sent * 1000) / rate <= now) { const i = sent++; fire(started + (i * 1000) / rate, wire[i]); }
      if (sent >= total) { done(); return; }
      setTimeout(tick, Math.max(0, started + (sent * 1000) / rate - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  for (const conn of all) conn.socket.destroy();
  latencies.sort((a, b) => a - b);
  const pick = (sorted: number[], p: number) => Number((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(2));
  const at = (p: number) => pick(latencies, p);
  return {
    requests: latencies.length, non2xx, errors, seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), maxMs: at(100), lagMs: Number(lag.toFixed(2)),
    p99BySecondMs: bySecond.map((l) => pick(l.sort((a, b) => a - b), 99)),
  };
}
