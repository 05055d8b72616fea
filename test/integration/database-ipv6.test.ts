import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * A DATABASE_URL naming an IPv6 address (`postgres://u@[::1]:5432/db`) connects: postgres.js read
 * the host as what comes before the first colon, `[`, and `omni migrate` failed with "getaddrinfo
 * ENOTFOUND [" (`omni serve` after DB_START_TIMEOUT_MS; QA). The test's database is reached through
 * a proxy listening on ::1, whatever address its own URL names.
 */
describe('a database URL with an IPv6 address', () => {
  let proxy: TcpProxy;
  beforeAll(async () => { proxy = await startTcpProxy(process.env.OMNI_TEST_DATABASE_URL!, { listenOn: '::1' }); });
  afterAll(async () => { await proxy?.close(); });

  it('connects to it', async () => {
    expect(new URL(proxy.url).hostname).toBe('[::1]');
    const sql = connect(proxy.url, 1);
    try {
      const [row] = await sql<{ db: string }[]>`select current_database() as db`;
      expect(row.db).toBe(new URL(process.env.OMNI_TEST_DATABASE_URL!).pathname.slice(1));
    } finally {
      await sql.end();
    }
  });
});
