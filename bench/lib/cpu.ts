import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU seconds spent by the processes of a scenario, read from /proc (Linux only;
 * elsewhere every figure is 0). PostgreSQL's figure is every process named
 * `postgres` (the embedded server's, or all of the machine's with DATABASE_URL),
 * plus the time of the backends that already exited (the postmaster's children
 * time). The machine's busy share comes from /proc/stat.
 */
const TICK = 100; // USER_HZ: clock ticks per second on Linux

async function stat(pid: number | 'self') {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // After the comm: state is f[0], so utime (field 14) is f[11], stime f[12], cutime f[13], cstime f[14]; ppid f[1].
    return { comm, ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) / TICK, children: (Number(f[13]) + Number(f[14])) / TICK };
  } catch {
    return null;
  }
}

async function postgresSeconds() {
  let total = 0;
  const pids = (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d)).map(Number);
  for (const pid of pids) {
    const s = await stat(pid);
    if (!s || s.comm !== 'postgres') continue;
    total += s.own;
    const parent = await stat(s.ppid);
    if (parent?.comm !== 'postgres') total += s.children; // the postmaster: its exited backends
  }
  return total;
}

async function machineTicks() {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => 'cpu 0')).split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: v.reduce((a, b) => a + b, 0) - idle, all: v.reduce((a, b) => a + b, 0) };
}

export type CpuReport = { api: number; worker: number; postgres: number; bench: number; machineBusyShare: number };

/** Starts counting; `stop()` returns the CPU seconds each part used meanwhile. */
export async function countCpu(apiPid: number, workerPid: number) {
  const read = async () => {
    const self = await stat('self');
    return {
      api: (await stat(apiPid))?.own ?? 0, worker: (await stat(workerPid))?.own ?? 0,
      postgres: await postgresSeconds(), bench: (self?.own ?? 0) + (self?.children ?? 0), machine: await machineTicks(),
    };
  };
  const before = await read();
  return {
    async stop(): Promise<CpuReport> {
      const after = await read();
      const d = (k: 'api' | 'worker' | 'postgres' | 'bench') => Number((after[k] - before[k]).toFixed(2));
      const all = after.machine.all - before.machine.all;
      return { api: d('api'), worker: d('worker'), postgres: d('postgres'), bench: d('bench'), machineBusyShare: all > 0 ? Number(((after.machine.busy - before.machine.busy) / all).toFixed(3)) : 0 };
    },
  };
}
