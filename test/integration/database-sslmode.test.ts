import type { Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connect } from '../../src/db/database.js';
import { queueConnection } from '../../src/db/tls.js';
import { isUnreachableAtStart } from '../../src/db/wait-at-start.js';
import { testDatabaseUrl } from '../helpers/test-database.js';
import { testDatabaseProxy } from '../helpers/database-socket.js';

// A server without SSL (the run's database behind a proxy that answers 'N' to the SSLRequest, as
// PostgreSQL with ssl = off does): postgres.js started TLS anyway, the server closed the socket,
// and the ECONNRESET was taken for an unreachable database: a start with sslmode=require waited for
// it, one attempt a second, instead of saying what was wrong (QA, forty-third session).
let proxy: Server;
let plainUrl: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // The run's database behind a proxy that answers 'N' to an SSLRequest.
  proxy = testDatabaseProxy(sockets, () => null);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const url = new URL(testDatabaseUrl());
  url.searchParams.delete('host');
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as { port: number }).port);
  plainUrl = url.toString();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
});

const withMode = (mode: string) => { const u = new URL(plainUrl); u.searchParams.set('sslmode', mode); return u.toString(); };

describe('DATABASE_URL sslmode against a server without SSL', () => {
  it.each(['require', 'verify-ca', 'verify-full'])('sslmode=%s is refused at once, as libpq refuses it, and a start does not wait for it', async (mode) => {
    const sql = connect(withMode(mode), 1);
    try {
      const started = Date.now();
      const err = await sql`select 1`.then(() => null, (e: unknown) => e);
      expect([(err as { code?: string }).code, (err as Error).message])
        .toEqual(['SSL_NOT_SUPPORTED', `server does not support SSL, but SSL was required (sslmode=${mode})`]);
      expect(isUnreachableAtStart(err)).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it.each(['prefer', 'allow', 'disable'])('sslmode=%s connects without SSL, as libpq does, the job queue\'s driver too', async (mode) => {
    const sql = connect(withMode(mode), 1);
    try {
      expect((await sql<{ ssl: boolean }[]>`select coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false) as ssl`)[0].ssl).toBe(false);
      // pg has no fallback of its own: one connection tries TLS first, and the server says it has none (src/db/tls.ts).
      const queue = await queueConnection(withMode(mode));
      expect(queue.ssl).toBe(false);
      const client = new pg.Client(queue);
      await client.connect();
      try {
        expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
