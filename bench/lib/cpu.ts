import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds spent by the processes of a scenario, read from /proc (Linux only;
 * elsewhere every figure is 0). PostgreSQL's figure is every process named
 * `postgres` (the embedded server's, or all of the machine's with DATABASE_URL),
 * plus the time of the backends that already exited (the postmaster's children
 * time). The machine's busy share comes from /proc/stat.
 *
 * PostgreSQL's share is also split by role (`postgresByRole`), from a sample of its processes
 * every 100 ms: a client's backend is named for the process at the other end of its connection
 * (`backend:api`, `backend:worker`, `backend:bench`), the others by their title (`walwriter`,
 * `autovacuum worker`, `io worker`...); what ran in processes that started and exited between two
 * samples (an autovacuum worker's short run) is `unseen`. A sample reads the postmasters' children
 * alone, synchronously (/proc answers at once): one that read all of /proc through the thread pool
 * cost the bench ~40 ms of CPU, the bench's CPU over an import 0.8-0.9 → 1.1-1.4 s.
 *
 * It also counts minor page faults (`minorFaults`): on the 2-core VM of the twelfth and
 * thirteenth sessions one costs 11-16 µs, and every process takes one on its first touch of
 * each 4 KB page of PostgreSQL's shared memory (docs/performance.md, thirteenth session).
 */
const TICK = 100; // USER_HZ: clock ticks per second on Linux

const read = (path: string) => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };

function stat(pid: number | 'self') {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // After the comm: state is f[0], so utime (field 14) is f[11], stime f[12], cutime f[13], cstime f[14]; ppid f[1];
  // minflt (field 10) f[7], cminflt f[8].
  return {
    comm, ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) / TICK, children: (Number(f[13]) + Number(f[14])) / TICK,
    kernel: Number(f[12]) / TICK, childKernel: Number(f[14]) / TICK,
    faults: Number(f[7]), childFaults: Number(f[8]),
  };
}

/** A postgres process's role from its title: `backend` (a client's), `walwriter`, `io worker`... */
function role(pid: number): string {
  const title = read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ').trim();
  if (/\(\d+\)|\[local\]/.test(title)) return 'backend';
  if (title.includes('autovacuum worker')) return 'autovacuum worker'; // its title ends with the database's name
  return title.replace(/^postgres:\s*(\d+\/\w+:\s*)?/, '').replace(/\s*\d+$/, '').trim().split(' -')[0].replace(/^.*\//, '') || 'postmaster';
}

/** Every postgres process's own CPU seconds (with its role), and its postmaster's exited children's. */
function postgresProcesses() {
  const own = new Map<number, { role: string; seconds: number; faults: number; kernel: number }>();
  let exited = 0;
  let exitedKernel = 0;
  let exitedFaults = 0;
  let pids: number[] = [];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number); } catch { /* not Linux */ }
  for (const pid of pids) {
    const s = stat(pid);
    if (!s || s.comm !== 'postgres') continue;
    own.set(pid, { role: role(pid), seconds: s.own, faults: s.faults, kernel: s.kernel });
    if (stat(s.ppid)?.comm !== 'postgres') { exited += s.children; exitedFaults += s.childFaults; exitedKernel += s.childKernel; } // the postmaster: its exited backends
  }
  return { own, exited, exitedFaults, exitedKernel };
}

/**
 * Which of the given processes each postgres backend serves, by the other end of its connection
 * (`ss`: a Unix socket's peer inode, a TCP socket's peer address).
 */
function backendOwners(processes: Record<string, number>) {
  let text = '';
  try { text = execFileSync('ss', ['-xtpnH'], { encoding: 'utf8' }); } catch { return new Map<number, string>(); }
  const name = new Map(Object.entries(processes).map(([k, pid]) => [pid, k]));
  const lines = text.split('\n').map((line) => {
    const f = line.trim().split(/\s+/);
    const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
    // u_str: local path, local inode, peer, peer inode; tcp: local address, peer address.
    return f[0] === 'u_str' ? { pid, local: `u${f[5]}`, peer: `u${f[7]}` } : { pid, local: `t${f[4]}`, peer: `t${f[5]}` };
  }).filter((l) => l.pid > 0);
  const ownerOf = new Map(lines.map((l) => [l.local, l.pid]));
  const owners = new Map<number, string>();
  for (const l of lines) {
    const client = ownerOf.get(l.peer);
    if (client !== undefined && name.has(client)) owners.set(l.pid, name.get(client)!);
  }
  return owners;
}

function machineTicks() {
  const v = (read('/proc/stat') || 'cpu 0').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  // user nice system idle iowait irq softirq steal: the kernel's share (system, irq, softirq) and
  // the hypervisor's (steal: time this VM was ready to run and was not).
  return { busy: v.reduce((a, b) => a + b, 0) - idle, all: v.reduce((a, b) => a + b, 0), kernel: (v[2] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0), steal: v[7] ?? 0 };
}

export type CpuReport = {
  api: number; worker: number; postgres: number; postgresByRole?: Record<string, number>; bench: number; machineBusyShare: number;
  minorFaults?: { api: number; worker: number; postgres: number };
  /**
   * Since the twenty-fourth session: PostgreSQL's CPU seconds in the kernel (of `postgres`), and
   * the machine's kernel and steal shares of its time. The import's slow runs (docs/performance.md)
   * spend more CPU on the same work in every process; these tell the kernel's part from ours.
   */
  kernel?: { postgres: number; machineShare: number; stealShare: number };
};

/** Samples the postgres processes every 100 ms; `stop()` gives each role's CPU seconds meanwhile. */
function sampleRoles(processes: Record<string, number>) {
  const first = new Map<number, number>();
  const last = new Map<number, { role: string; seconds: number }>();
  const { own } = postgresProcesses();
  // Between samples only the postmasters' children are listed (the rest of /proc is not read):
  // a sample then costs the bench a few reads, not one per process of the machine.
  const postmasters = [...own.keys()].filter((pid) => stat(stat(pid)?.ppid ?? 0)?.comm !== 'postgres');
  for (const [pid, p] of own) { first.set(pid, p.seconds); last.set(pid, p); }
  const take = () => {
    for (const pm of postmasters) {
      for (const pid of read(`/proc/${pm}/task/${pm}/children`).split(' ').filter(Boolean).map(Number)) {
        const seconds = stat(pid)?.own;
        if (seconds === undefined) continue;
        if (!first.has(pid)) first.set(pid, 0);
        // A backend just forked still has the postmaster's title: its role is read again until it has its own.
        const known = last.get(pid)?.role;
        last.set(pid, { role: known && known !== 'postgres' ? known : role(pid), seconds });
      }
    }
  };
  const timer = setInterval(take, 100);
  return {
    stop() {
      clearInterval(timer);
      take();
      const owners = backendOwners(processes);
      const byRole: Record<string, number> = {};
      for (const [pid, p] of last) {
        const name = p.role === 'backend' ? `backend:${owners.get(pid) ?? 'other'}` : p.role;
        byRole[name] = (byRole[name] ?? 0) + p.seconds - first.get(pid)!;
      }
      return byRole;
    },
  };
}

/** Starts counting; `stop()` returns the CPU seconds each part used meanwhile. */
export async function countCpu(apiPid: number, workerPid: number) {
  const reading = () => {
    const self = stat('self');
    const [api, worker] = [stat(apiPid), stat(workerPid)];
    const pg = postgresProcesses();
    return {
      api: api?.own ?? 0, worker: worker?.own ?? 0,
      postgres: [...pg.own.values()].reduce((n, p) => n + p.seconds, pg.exited),
      postgresKernel: [...pg.own.values()].reduce((n, p) => n + p.kernel, pg.exitedKernel),
      faults: {
        api: api?.faults ?? 0, worker: worker?.faults ?? 0,
        postgres: [...pg.own.values()].reduce((n, p) => n + p.faults, pg.exitedFaults),
      },
      bench: (self?.own ?? 0) + (self?.children ?? 0), machine: machineTicks(),
    };
  };
  const roles = sampleRoles({ api: apiPid, worker: workerPid, bench: process.pid });
  const before = reading();
  return {
    async stop(): Promise<CpuReport> {
      const after = reading();
      const byRole = roles.stop();
      const d = (k: 'api' | 'worker' | 'postgres' | 'bench') => Number((after[k] - before[k]).toFixed(2));
      const all = after.machine.all - before.machine.all;
      const postgresByRole: Record<string, number> = {};
      for (const [k, v] of Object.entries(byRole).sort((a, b) => b[1] - a[1])) if (v >= 0.01) postgresByRole[k] = Number(v.toFixed(2));
      const unseen = d('postgres') - Object.values(byRole).reduce((a, b) => a + b, 0);
      if (unseen >= 0.01) postgresByRole.unseen = Number(unseen.toFixed(2));
      return {
        api: d('api'), worker: d('worker'), postgres: d('postgres'), postgresByRole, bench: d('bench'),
        machineBusyShare: all > 0 ? Number(((after.machine.busy - before.machine.busy) / all).toFixed(3)) : 0,
        minorFaults: {
          api: after.faults.api - before.faults.api, worker: after.faults.worker - before.faults.worker,
          postgres: after.faults.postgres - before.faults.postgres,
        },
        kernel: {
          postgres: Number((after.postgresKernel - before.postgresKernel).toFixed(2)),
          machineShare: all > 0 ? Number(((after.machine.kernel - before.machine.kernel) / all).toFixed(3)) : 0,
          stealShare: all > 0 ? Number(((after.machine.steal - before.machine.steal) / all).toFixed(3)) : 0,
        },
      };
    },
  };
}
