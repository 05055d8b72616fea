import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import pg from 'pg';
import { connect } from '../../src/db/database.js';
import { queueConnection } from '../../src/db/tls.js';
import { freePort } from '../helpers/free-port.js';
import { testDatabaseUrl } from '../helpers/test-database.js';

describe('DATABASE_URL in libpq\'s forms', () => {
  it('takes ?port= over the authority\'s port, as libpq does (for a Unix socket, the file .s.PGSQL.<port>)', async () => {
    const url = new URL(testDatabaseUrl());
    const port = url.port || '5432';
    // The authority names a port nothing listens on; ?port= names the server's.
    url.port = String(await freePort());
    url.searchParams.set('port', port);
    const sql = connect(url.toString(), 1, {}, 3000);
    try {
      expect((await sql<{ port: number }[]>`select current_setting('port')::int as port`)[0].port).toBe(Number(port));
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  const socketDir = new URL(testDatabaseUrl()).searchParams.get('host');
  it.skipIf(!socketDir?.startsWith('/'))('reaches a Unix socket named by its folder percent-encoded where the host goes, libpq\'s other form', async () => {
    const url = new URL(testDatabaseUrl());
    url.searchParams.delete('host');
    const encoded = url.toString().replace(`@${url.host}`, `@${encodeURIComponent(socketDir!)}:${url.port || 5432}`);
    expect(encoded).toMatch(/@%2F/);
    const sql = connect(loadConfig({ DATABASE_URL: encoded, OMNI_DATA_DIR: '/tmp' }).DATABASE_URL!, 1, {}, 3000);
    try {
      expect((await sql<{ one: number }[]>`select 1 as one`)[0].one).toBe(1);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it.skipIf(!socketDir?.startsWith('/'))('does not encrypt over a Unix socket, whatever sslmode says, as libpq (a start stopped on "SSL was required")', async () => {
    const url = new URL(testDatabaseUrl());
    url.searchParams.set('sslmode', 'require');
    const sql = connect(url.toString(), 1, {}, 3000);
    try {
      expect((await sql<{ one: number }[]>`select 1 as one`)[0].one).toBe(1);
    } finally {
      await sql.end({ timeout: 1 });
    }
    const client = new pg.Client({ ...(await queueConnection(url.toString(), 3000)) });
    await client.connect();
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
