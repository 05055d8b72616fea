import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';

/**
 * A DATABASE_URL naming an IPv6 address (`postgres://u@[::1]:5432/db`) connects: postgres.js read
 * the host as what comes before the first colon, `[`, and `omni migrate` failed with "getaddrinfo
 * ENOTFOUND [" (`omni serve` after DB_START_TIMEOUT_MS; QA). The test's database is reached through
 * a proxy listening on ::1, whatever address its own URL names.
 */
describe('a database URL with an IPv6 address', () => {
  let proxy: Server;
  const sockets = new Set<Socket>();
  const target = new URL(process.env.OMNI_TEST_DATABASE_URL!);
  const socketDir = target.searchParams.get('host');
  const targetPort = Number(target.searchParams.get('port') ?? (target.port || 5432));

  beforeAll(async () => {
    proxy = createServer((client) => {
      const upstream = socketDir?.startsWith('/') ? connectTcp({ path: `${socketDir}/.s.PGSQL.${targetPort}` }) : connectTcp(targetPort, target.hostname);
      for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => proxy.once('error', reject).listen(0, '::1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  it('connects to it', async () => {
    const url = new URL(target);
    url.hostname = '[::1]';
    url.port = String((proxy.address() as { port: number }).port);
    url.searchParams.delete('host');
    url.searchParams.delete('port');
    const sql = connect(url.toString(), 1);
    try {
      const [row] = await sql<{ db: string }[]>`select current_database() as db`;
      expect(row.db).toBe(target.pathname.slice(1));
    } finally {
      await sql.end();
    }
  });
});
