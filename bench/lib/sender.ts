/**
 * The timed senders, run in a child process of their own (runSender): the bench
 * process holds hundreds of thousands of generated rows by then, and its garbage
 * collector paused the sender for tens of milliseconds at a time, which showed as
 * server latency. Input: one JSON argument; output: the result as JSON on stdout.
 */
import { spawn } from 'node:child_process';
import { percentile } from './environment.js';
import { signedRequest, type Credentials } from './client.js';
import { encodeRequests, openLoop } from './open-loop.js';
import { encodeRequest, RawConnection } from './raw-http.js';
import { generateProducts } from '../scenarios/catalog-import.js';

export type SenderJob =
  | { kind: 'patch'; baseUrl: string; who: Credentials; productIds: string[]; rate: number; seconds: number; warmupSeconds: number }
  | { kind: 'accept'; baseUrl: string; who: Credentials; warehouseIds: string[]; requests: number; warmup: number; prefix: string };

/** A full collection now (the sender runs with --expose-gc), not in the middle of a timed phase. */
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();

async function patch(job: Extract<SenderJob, { kind: 'patch' }>) {
  // Every request is built and signed before its phase starts (a signature stays valid for
  // 300 s): while timing, the sender only writes requests and reads responses, the least it
  // can take from the 2 cores the server shares with it.
  let n = 0;
  const build = (count: number) => Array.from({ length: count }, () => {
    const id = job.productIds[n++ % job.productIds.length];
    const path = `/api/v1/partner/stores/products/${id}`;
    const r = signedRequest(job.who, 'PATCH', path, { name: `Renamed ${n}`, stock: n % 50 });
    return { method: r.method, path, body: r.payload, headers: r.headers };
  });
  const run = (seconds: number) => {
    const wire = encodeRequests(job.baseUrl, build(Math.round(job.rate * seconds)));
    collectGarbage();
    return openLoop(job.baseUrl, job.rate, seconds, wire);
  };
  if (job.warmupSeconds > 0) await run(job.warmupSeconds);
  return run(job.seconds);
}

async function accept(job: Extract<SenderJob, { kind: 'accept' }>) {
  // Every body is serialised and signed before the clock starts, and responses are parsed
  // after it stops: the figure is the request on the wire and the server's work.
  const products = generateProducts((job.warmup + job.requests) * 1000, job.warehouseIds, job.prefix);
  const path = '/api/v1/partner/stores/catalog/sync';
  const url = new URL(job.baseUrl);
  const wire = Array.from({ length: job.warmup + job.requests }, (_, i) => {
    const r = signedRequest(job.who, 'POST', path, { products: products.slice(i * 1000, (i + 1) * 1000) });
    return encodeRequest(url.host, { method: r.method, path, body: r.payload, headers: r.headers });
  });
  products.length = 0;
  const conn = new RawConnection(url.hostname, Number(url.port));
  collectGarbage();
  const latencies: number[] = [];
  const sentAt: number[] = [];
  const answers: (Buffer | null)[] = [];
  for (const bytes of wire) {
    sentAt.push(Date.now());
    const started = performance.now();
    const res = await conn.send(bytes);
    latencies.push(performance.now() - started);
    answers.push(res?.status === 200 ? res.body : null);
  }
  conn.close();
  // The warm-up requests are sent like the others and not counted.
  const warmupMs = latencies.splice(0, job.warmup);
  sentAt.splice(0, job.warmup);
  const failed = answers.filter((a) => !a || JSON.parse(a.toString('utf8')).data?.summary?.pending !== 1000).length;
  // Which requests were slowest (0 = the first one sent), to tell a cold start from a stall;
  // when each was sent (epoch ms), to line it up with what the server was doing.
  const slowest = latencies.map((ms, i) => ({ i, ms: Number(ms.toFixed(1)), sentAt: sentAt[i] })).sort((a, b) => b.ms - a.ms).slice(0, 3);
  // Every round trip in the order sent, the warm-up's first: a cold start shows as a slope.
  const inOrderMs = [...warmupMs, ...latencies].map((ms) => Number(ms.toFixed(1)));
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length, failed, p50Ms: Number(percentile(latencies, 50).toFixed(1)), p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    maxMs: Number(latencies[latencies.length - 1].toFixed(1)), slowest, inOrderMs,
  };
}

/** Runs a sender job in a fresh process and returns what it printed. */
export function runSender<T>(job: SenderJob): Promise<T> {
  return new Promise((resolve, reject) => {
    // --expose-gc: the sender collects its own garbage (the generated rows it serialised)
    // before the clock starts, so that no major GC of the load generator lands among the timings.
    const child = spawn(process.execPath, ['--expose-gc', 'bin/run-ts.js', 'bench/lib/sender.ts', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`sender exited with ${code}`))));
  });
}

if (process.argv[1]?.endsWith('sender.ts') && process.argv[2]) {
  const job = JSON.parse(process.argv[2]) as SenderJob;
  const result = job.kind === 'patch' ? await patch(job) : await accept(job);
  process.stdout.write(JSON.stringify(result));
}
