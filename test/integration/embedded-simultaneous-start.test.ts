import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { freePort } from '../helpers/free-port.js';

/**
 * Two processes started at the same moment on a new data folder (an API and a worker, as a
 * process manager starts them): one sets the database up and starts it, the other waits and
 * attaches. Both ran initdb, or both started a server: one or both failed, "lock file
 * postmaster.pid already exists" or initdb's "exists but is not empty" (config QA). Two starts
 * in one process meet the same race: each looks for a server before the other has one.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

describe('an embedded PostgreSQL started twice at once on a new data folder', () => {
  it('is set up and started once, the second start attaching to it; the folder keeps its mode but for the search bit PostgreSQL needs', { timeout: 120_000 }, async () => {
    const parent = await mkdtemp(join(tmpdir(), 'omni-two-starts-'));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    await chmod(parent, 0o755);
    const dataDir = join(parent, 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o1770);
    const port = await freePort();
    const alerts: string[] = [];
    const starts = await Promise.allSettled([0, 1].map(() => startEmbeddedPostgres({ dataDir, port, restartOnExit: false, alert: (_level, message) => { alerts.push(message); } })));
    for (const s of starts) if (s.status === 'fulfilled') cleanups.push(() => (s.value as EmbeddedDatabase).stop());
    expect(starts.map((s) => (s.status === 'fulfilled' ? 'started' : String(s.reason)))).toEqual(['started', 'started']);
    expect(alerts).toEqual([`another process is setting up or starting the embedded PostgreSQL of ${dataDir}: waiting for it (up to 2 minutes)`,
      `using the embedded PostgreSQL another Omni process on this data folder started (port ${port}): it stops when that process stops, and this one does not start it again`]);
    for (const s of starts) {
      const sql = connect((s as PromiseFulfilledResult<EmbeddedDatabase>).value.connectionString, 1);
      expect((await sql`select 1 as up`)[0].up).toBe(1);
      await sql.end();
    }
    // As root (PostgreSQL then runs as `postgres`, which must pass through): others' search bit
    // added, the sticky bit and the group's write kept (it was set to 0755 whatever it was).
    expect((await stat(dataDir)).mode & 0o7777).toBe(process.getuid?.() === 0 ? 0o1771 : 0o1770);
  });
});
