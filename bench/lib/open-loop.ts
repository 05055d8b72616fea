import { encodeRequest, RawConnection, type RawRequest } from './raw-http.js';

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
 * Requests go out through raw-http.ts (why not node:http: see there), one in flight on
 * each kept-alive socket; a response it cannot frame counts as an error.
 */
export type OpenLoopRequest = RawRequest;

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
  /** When the timed requests started (epoch ms), and the slowest ones by when they were sent (ms after it): to line them up with server logs. */
  startedAt: number;
  slowest: { atMs: number; ms: number }[];
  /** The sender's own CPU over the timed requests, a request (µs): what it took from the cores it shares with the server. */
  senderCpuUsPerRequest: number;
}

/** Requests as the bytes they are written as (done before a phase starts). */
export const encodeRequests = (baseUrl: string, requests: OpenLoopRequest[]) => requests.map((r) => encodeRequest(new URL(baseUrl).host, r));

export async function openLoop(baseUrl: string, rate: number, seconds: number, wire: Buffer[]): Promise<OpenLoopResult> {
  const url = new URL(baseUrl);
  const total = Math.min(wire.length, Math.round(rate * seconds));
  const idle: RawConnection[] = [];
  const all = new Set<RawConnection>();
  const latencies: number[] = [];
  const sentAts: [number, number][] = [];
  const bySecond: number[][] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let lag = 0;
  const open = () => {
    const conn = new RawConnection(url.hostname, Number(url.port), (gone) => {
      all.delete(gone);
      const i = idle.indexOf(gone);
      if (i >= 0) idle.splice(i, 1);
    });
    all.add(conn);
    return conn;
  };

  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const startedAt = Date.now();
  const cpuAtStart = process.cpuUsage();
  const fire = (due: number, bytes: Buffer) => {
    const conn = idle.pop() ?? open();
    const sentAt = performance.now();
    lag = Math.max(lag, sentAt - due);
    const p = conn.send(bytes).then((res) => {
      if (!res) { errors++; return; }
      const ms = performance.now() - sentAt;
      latencies.push(ms);
      sentAts.push([sentAt - started, ms]);
      (bySecond[Math.floor((sentAt - started) / 1000)] ??= []).push(ms);
      if (res.status < 200 || res.status > 299) non2xx++;
      idle.push(conn);
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
  const cpu = process.cpuUsage(cpuAtStart);
  for (const conn of all) conn.close();
  latencies.sort((a, b) => a - b);
  const pick = (sorted: number[], p: number) => Number((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(2));
  const at = (p: number) => pick(latencies, p);
  return {
    requests: latencies.length, non2xx, errors, seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), maxMs: at(100), lagMs: Number(lag.toFixed(2)),
    p99BySecondMs: bySecond.map((l) => pick(l.sort((a, b) => a - b), 99)),
    startedAt,
    senderCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, latencies.length)),
    slowest: sentAts.sort((a, b) => b[1] - a[1]).slice(0, 20).map(([at, ms]) => ({ atMs: Math.round(at), ms: Number(ms.toFixed(2)) })),
  };
}
