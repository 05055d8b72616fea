import type { Sql } from '../../src/db/database.js';

/** What the bench database's active client backends were waiting on at one moment (epoch ms). */
interface Sample { at: number; waits: string[] }

/**
 * Samples pg_stat_activity every `everyMs` for the bench database's active client
 * backends and what each waits on (`IO/WalSync`, `LWLock/WALWrite`, ... or `CPU` when
 * it waits on nothing). Opt-in (BENCH_PG_WAITS=1): it adds a query every 20 ms.
 * `during(from, to)` tells what the server was doing while a slow request was in flight.
 */
export function watchPgWaits(sql: Sql, everyMs = 20) {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await sql<{ wait: string | null }[]>`
        select wait_event_type || '/' || wait_event as wait from pg_stat_activity
        where datname = current_database() and state = 'active' and backend_type = 'client backend' and pid <> pg_backend_pid()`;
      samples.push({ at: Date.now(), waits: rows.map((r) => r.wait ?? 'CPU') });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  const tally = (of: Sample[]) => {
    const counts: Record<string, number> = {};
    for (const s of of) for (const w of s.waits) counts[w] = (counts[w] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
  };
  return {
    async stop() { running = false; await loop; },
    /** Backends seen in each state over the whole run, most often first; `samples` taken. */
    summary: () => ({ samples: samples.length, everyMs, waits: tally(samples) }),
    during: (from: number, to: number) => tally(samples.filter((s) => s.at >= from && s.at <= to)),
    /** The summary, and what was waited on while each of `slow` (requests, by their [sent, answered] epoch ms) was in flight. */
    report<T>(slow: T[], window: (s: T) => [number, number]) {
      return { ...this.summary(), slowest: slow.map((s) => ({ ...s, waits: this.during(...window(s)) })) };
    },
  };
}

/** A sampler when BENCH_PG_WAITS=1, else nothing. */
export const pgWaitsIfAsked = (sql: Sql) => (process.env.BENCH_PG_WAITS === '1' ? watchPgWaits(sql) : undefined);
