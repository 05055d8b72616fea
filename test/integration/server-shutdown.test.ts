import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

const BIN = fileURLToPath(new URL('../../bin/omni.js', import.meta.url));
// One data folder for both cases: the second starts on the cluster the first initialised.
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'omni-shutdown-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

/**
 * `omni serve` (API and worker), or `npm start`, on its own embedded PostgreSQL in the data
 * folder; output is stdout and stderr together.
 */
function serve(port: number, command: [string, ...string[]] = [process.execPath, BIN, 'serve'], extraEnv: Record<string, string> = {}, ownGroup = false) {
  const { DATABASE_URL: _external, ...env } = process.env;
  return freePort().then((pgPort) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...env, OMNI_DATA_DIR: dataDir, PORT: String(port), OMNI_PG_PORT: String(pgPort), LOG_LEVEL: 'info', OMNI_DEMO: 'false', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, which a test signals as a terminal signals its foreground group.
      detached: ownGroup,
    });
    const run = { child, output: '', stderr: '', exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
    child.stdout.on('data', (d) => { run.output += d; });
    child.stderr.on('data', (d) => { run.output += d; run.stderr += d; });
    return run;
  });
}
const logLines = (output: string) => output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

async function untilReady(run: Awaited<ReturnType<typeof serve>>, port: number) {
  for (let i = 0; ; i++) {
    // A child that has exited did not answer: the port was not its own.
    if (run.child.exitCode !== null) throw new Error(`server exited with ${run.child.exitCode} before it was ready:\n${run.output}`);
    try { if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return; } catch { /* not up yet */ }
    if (i > 600) throw new Error(`server did not start:\n${run.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for `text` in the server's output (polling every 5 ms, up to ~60 s). */
async function untilOutput(run: Awaited<ReturnType<typeof serve>>, text: string) {
  for (const end = Date.now() + 60000; !run.output.includes(text); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end || run.child.exitCode !== null) throw new Error(`no "${text}" in the output:\n${run.output.slice(-3000)}`);
  }
}

/** The server stopped by SIGTERM: exit 0, a clean last line, its embedded database's pid file gone. */
async function stopsCleanly(run: Awaited<ReturnType<typeof serve>>) {
  run.child.kill('SIGTERM');
  expect(await run.exited, run.output).toBe(0);
  expect(logLines(run.output).at(-1)).toMatchObject({ msg: 'stopped', clean: true });
  await expect(readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
}

describe('omni serve on its embedded PostgreSQL', () => {
  it('stops cleanly on SIGTERM: the API and worker first, the database last, no errors', { timeout: 90000 }, async () => {
    const port = await freePort();
    const run = await serve(port);
    await untilReady(run, port);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output).toBe(0);
    const lines = logLines(run.output);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(lines.some((l) => l.msg === 'shutting down')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped', clean: true });
    // The embedded server is down: its pid file is gone.
    await expect(readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('stops when a supervisor sends SIGTERM to `npm start` (its shell used to die and leave the server running)', { timeout: 90000 }, async () => {
    const port = await freePort();
    const run = await serve(port, [process.platform === 'win32' ? 'npm.cmd' : 'npm', 'start', '--silent']);
    await untilReady(run, port);
    run.child.kill('SIGTERM');
    await run.exited;
    for (let i = 0; i < 100 && (await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => null)) !== null; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(logLines(run.output).at(-1), run.output).toMatchObject({ msg: 'stopped', clean: true });
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('stops cleanly on a SIGINT to `npm start`\'s whole process group (a terminal\'s Ctrl-C): its embedded PostgreSQL is in a group of its own, and npm\'s copy of the signal is not a second one', { timeout: 90000 }, async () => {
    const port = await freePort();
    // Through npm, as a terminal runs it: npm relays the signal the terminal sent the group too.
    const run = await serve(port, [process.platform === 'win32' ? 'npm.cmd' : 'npm', 'start', '--silent'], {}, true);
    try {
      await untilReady(run, port);
      const postmaster = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      // Field 5 of /proc/<pid>/stat, after the command's parenthesis: the process group.
      const group = async (pid: number) => Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')[2]);
      expect(await group(postmaster)).not.toBe(await group(run.child.pid!));
      // The server ended by the signal at once lost the worker's and the API's connections under them.
      process.kill(-run.child.pid!, 'SIGINT');
      await run.exited;
      // One Ctrl-C, not "SIGINT: already stopping" for npm's copy of it.
      expect(logLines(run.output).filter((l) => l.level >= 50 || /already stopping/.test(l.msg)), run.output).toEqual([]);
      expect(logLines(run.output).at(-1)).toMatchObject({ msg: 'stopped', clean: true });
    } finally {
      if (run.child.exitCode === null) { run.child.kill('SIGKILL'); await run.exited; }
    }
  });

  it('starts its embedded PostgreSQL again when it is killed, and still stops cleanly', { timeout: 120000 }, async () => {
    const port = await freePort();
    const run = await serve(port);
    try {
      await untilReady(run, port);
      const postmaster = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      process.kill(postmaster, 'SIGKILL');
      await untilOutput(run, 'the embedded PostgreSQL is running again');
      // The API reaches it again by itself (before, it answered SYS_002 until the process was restarted).
      await untilReady(run, port);
      // Beside the worker's own line on the outage, which may come first.
      const errors = logLines(run.output).filter((l) => l.level >= 50).map((l) => l.msg);
      expect(errors).toContain('the embedded PostgreSQL stopped by itself (SIGKILL); starting it again');
      await stopsCleanly(run);
    } finally {
      // A failure here must not leave the server (and the data folder's database) to the next case.
      if (run.child.exitCode === null) { run.child.kill('SIGTERM'); await run.exited; }
    }
  });

  it('stops cleanly on a SIGTERM while it starts: exit 0, its embedded database stopped, not left running with no owner', { timeout: 90000 }, async () => {
    const port = await freePort();
    const run = await serve(port);
    try {
      // After the worker's start, before the API listens (it builds its routes then).
      await untilOutput(run, 'job worker started');
      await stopsCleanly(run);
    } finally {
      if (run.child.exitCode === null) { run.child.kill('SIGKILL'); await run.exited; }
    }
  });

  it('lets the job worker finish starting on a SIGTERM during its start, then stops it cleanly (it stopped the database under it)', { timeout: 90000 }, async () => {
    const port = await freePort();
    const run = await serve(port, undefined, { LOG_LEVEL: 'debug' });
    try {
      // graphile-worker's first job slot is up; its second pool, the heartbeat and the log line are not.
      await untilOutput(run, '"msg":"Spawned"');
      run.child.kill('SIGTERM');
      expect(await run.exited, run.output).toBe(0);
      const messages = logLines(run.output).map((l) => l.msg);
      expect(messages).toContain('SIGTERM: stopping once the job worker has started (another signal stops at once)');
      const started = messages.findIndex((m) => m?.startsWith('job worker started'));
      expect(started, run.output).toBeGreaterThan(-1);
      expect(messages.indexOf('shutting down')).toBeGreaterThan(started);
      expect(logLines(run.output).filter((l) => l.level >= 50), run.output).toEqual([]);
      // The last line at info or above: the embedded server's own last line (debug, "database system is
      // shut down") came after it now and then (3 runs of about 20 on 2026-12-06), its pipe drained or not
      // (the stop waits for it: embedded.ts); not understood. Its stop is what the next line shows.
      expect(logLines(run.output).filter((l) => l.level >= 30).at(-1), run.output).toMatchObject({ msg: 'stopped', clean: true });
      await expect(readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      if (run.child.exitCode === null) { run.child.kill('SIGKILL'); await run.exited; }
    }
  });

  it("lets the job worker finish starting on one Ctrl-C to `npm start` during its start (npm's relayed copy was a second signal: it stopped at once)", { timeout: 90000 }, async () => {
    const port = await freePort();
    const run = await serve(port, [process.platform === 'win32' ? 'npm.cmd' : 'npm', 'start', '--silent'], { LOG_LEVEL: 'debug' }, true);
    try {
      await untilOutput(run, '"msg":"Spawned"');
      process.kill(-run.child.pid!, 'SIGINT');
      await run.exited;
      const messages = logLines(run.output).map((l) => l.msg);
      const started = messages.findIndex((m) => m?.startsWith('job worker started'));
      expect(started, run.output).toBeGreaterThan(-1);
      expect(messages.indexOf('shutting down')).toBeGreaterThan(started);
      expect(logLines(run.output).filter((l) => l.level >= 30).at(-1), run.output).toMatchObject({ msg: 'stopped', clean: true });
    } finally {
      if (run.child.exitCode === null) { process.kill(-run.child.pid!, 'SIGKILL'); await run.exited; }
    }
  });

  it('whose port is taken exits with one line naming it, after stopping the worker and the database it had started', { timeout: 90000 }, async () => {
    const port = await freePort();
    const taken = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    try {
      const run = await serve(port);
      expect(await run.exited, run.output).toBe(1);
      const plain = run.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
      expect(plain).toEqual([`error: 127.0.0.1:${port} is already in use (another omni serve?): stop that process or set PORT (and HOST)`]);
      expect(logLines(run.output).at(-1)).toMatchObject({ msg: 'stopped', clean: true });
      await expect(readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      taken.close();
    }
  });

  it('whose HOST does not resolve says so, not that the database is unreachable', { timeout: 90000 }, async () => {
    const port = await freePort();
    const run = await serve(port, undefined, { HOST: 'no.such.host.invalid' });
    expect(await run.exited, run.output).toBe(1);
    const plain = run.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
    expect(plain).toEqual([`error: cannot listen on no.such.host.invalid:${port} (getaddrinfo ENOTFOUND no.such.host.invalid): check HOST (an address or name of this machine) and PORT`]);
  });
});
