/**
 * How much of what a process allocates survives V8's young-generation collections
 * (scavenges) while it runs postgres.js queries one after another: the API's PATCH
 * makes two a request, and under the PATCH bench its scavenges took 5-9 ms each, every
 * ~400 ms, copying ~2.2 MB that lived on into the old generation (docs/performance.md,
 * eighth session). Each mode runs in a child process under --trace-gc-nvp:
 *   one  — one query a step;  two — two queries a step (the PATCH's shape);
 *   fragment — one query a step plus an unused sql`` fragment;
 *   nested — two queries a step, the first with two nested fragments (the credential lookup's shape).
 * Prints the share of allocated bytes that survived a scavenge and the scavenges' pause.
 * Run: node bin/run-ts.js bench/probe-gc.ts (DATABASE_URL, or an embedded PostgreSQL).
 */
import { spawn } from 'node:child_process';
import { connect } from '../src/db/database.js';
import { openProbeDatabase } from './lib/probe-database.js';

const STEPS = 30000;

if (process.env.PROBE_GC_CHILD) {
  const sql = connect(process.env.PROBE_GC_URL!, 1);
  const mode = process.env.PROBE_GC_CHILD;
  const step = async () => {
    if (mode === 'fragment') void sql``;
    if (mode === 'nested') await sql`select 1 as a ${sql`, ${sql`2`} as b`}`;
    else await sql`select 1 as a`;
    if (mode === 'two' || mode === 'nested') await sql`select 2 as b`;
  };
  for (let i = 0; i < STEPS; i++) await step();
  await sql.end();
} else {
  const db = await openProbeDatabase();
  try {
    for (const mode of (process.env.PROBE_GC_MODES ?? 'one,two,fragment,nested').split(',')) {
      const child = spawn(process.execPath, ['--trace-gc-nvp', 'bin/run-ts.js', process.argv[1]], {
        env: { ...process.env, PROBE_GC_CHILD: mode, PROBE_GC_URL: db.url }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const code = await new Promise((r) => child.once('exit', r));
      if (code !== 0) throw new Error(`probe child (${mode}) exited with ${code}`);
      // The second half of the run: the process is warm and its young generation has grown.
      const scavenges = out.split('\n').filter((l) => l.includes('gc=s ')).map((l) => Object.fromEntries(
        ['pause', 'allocated', 'new_space_survived'].map((k) => [k, Number(new RegExp(`\\b${k}=([\\d.]+)`).exec(l)?.[1] ?? NaN)])));
      const warm = scavenges.slice(Math.floor(scavenges.length / 2)).filter((s) => s.allocated > 0 && s.allocated < 2 ** 40);
      const sum = (k: string) => warm.reduce((t, s) => t + s[k], 0);
      console.log(`${mode.padEnd(8)} scavenges ${String(warm.length).padStart(3)}, survived ${(100 * sum('new_space_survived') / sum('allocated')).toFixed(1)}% of ${(sum('allocated') / warm.length / 2 ** 20).toFixed(1)} MiB allocated between them, pause ${(sum('pause') / warm.length).toFixed(2)} ms each`);
    }
  } finally {
    await db.close();
  }
}
