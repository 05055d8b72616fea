import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

const BIN = fileURLToPath(new URL('../../bin/omni.js', import.meta.url));
let dataDir: string | undefined;
afterAll(async () => { if (dataDir) await rm(dataDir, { recursive: true, force: true }); });

describe('omni serve on its embedded PostgreSQL', () => {
  it('stops cleanly on SIGTERM: the API and worker first, the database last, no errors', { timeout: 90000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'omni-shutdown-'));
    await chmod(dataDir, 0o755);
    const [port, pgPort] = [await freePort(), await freePort()];
    const { DATABASE_URL: _external, ...env } = process.env;
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...env, OMNI_DATA_DIR: dataDir, PORT: String(port), OMNI_PG_PORT: String(pgPort), LOG_LEVEL: 'info', OMNI_DEMO: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; ; i++) {
      // A child that has exited did not answer: the port was not its own.
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${output}`);
      try { if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) break; } catch { /* not up yet */ }
      if (i > 600) throw new Error(`server did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(lines.some((l) => l.msg === 'shutting down')).toBe(true);
    // The embedded server is down: its pid file is gone.
    await expect(readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
