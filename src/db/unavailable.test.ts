import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { connect } from './database.js';
import { isConnectionLoss, isDatabaseUnavailable } from './unavailable.js';
import { freePort } from '../../test/helpers/free-port.js';
import { testDatabaseUrl } from '../../test/helpers/test-database.js';

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err: unknown) => err);

describe('telling a database that is away from a failed query', () => {
  it('counts a refused connection, for postgres.js (a query, a transaction) and for pg', async () => {
    const url = `postgres://omni:x@127.0.0.1:${await freePort()}/omni`;
    const sql = connect(url, 1);
    try {
      expect(isDatabaseUnavailable(await failure(sql`select 1`))).toBe(true);
      expect(isDatabaseUnavailable(await failure(sql.begin((tx) => tx`select 1`)))).toBe(true);
    } finally {
      await sql.end({ timeout: 1 });
    }
    const client = new pg.Client({ connectionString: url });
    expect(isConnectionLoss(await failure(client.connect()))).toBe(true);
  });

  it('counts a server with no connection left for us (53300: max_connections, or a role\'s or database\'s limit)', async () => {
    const admin = connect(testDatabaseUrl(), 1);
    const role = `omni_full_${Date.now()}`;
    try {
      await admin.unsafe(`create role ${role} login password 'x' connection limit 0`);
      const url = new URL(testDatabaseUrl());
      [url.username, url.password] = [role, 'x'];
      const sql = connect(url.toString(), 1);
      try {
        const full = await failure(sql`select 1`);
        expect((full as { code?: string }).code).toBe('53300');
        expect(isDatabaseUnavailable(full)).toBe(true);
      } finally {
        await sql.end({ timeout: 1 });
      }
      const client = new pg.Client({ connectionString: url.toString() });
      expect(isConnectionLoss(await failure(client.connect()))).toBe(true);
    } finally {
      await admin.unsafe(`drop role if exists ${role}`);
      await admin.end();
    }
  });

  it('counts a database not accepting connections (55000 of ALLOW_CONNECTIONS false), not every 55000', async () => {
    const admin = connect(testDatabaseUrl(), 1);
    const name = `omni_closed_${Date.now()}`;
    try {
      await admin.unsafe(`create database ${name} allow_connections false`);
      const url = new URL(testDatabaseUrl());
      url.pathname = `/${name}`;
      const sql = connect(url.toString(), 1);
      try {
        const closed = await failure(sql`select 1`);
        expect((closed as { code?: string }).code).toBe('55000');
        expect(isDatabaseUnavailable(closed)).toBe(true);
        // Whatever language the server speaks (lc_messages): by the routine that raised it.
        expect(isDatabaseUnavailable(Object.assign(closed as object, { message: 'la base de données n\'accepte pas de connexions' }))).toBe(true);
      } finally {
        await sql.end({ timeout: 1 });
      }
      const client = new pg.Client({ connectionString: url.toString() });
      expect(isConnectionLoss(await failure(client.connect()))).toBe(true);
      // currval before nextval in a session: 55000 too, the query's own.
      const other = await failure(admin`select currval('batch_accept_seq')`);
      expect([(other as { code?: string }).code, isDatabaseUnavailable(other), isConnectionLoss(other)]).toEqual(['55000', false, false]);
    } finally {
      await admin.unsafe(`drop database if exists ${name}`);
      await admin.end();
    }
  });

  it('counts the server refusing the connection itself (a role that may not log in, a database gone, CONNECT revoked), not a table\'s grant', async () => {
    const admin = connect(testDatabaseUrl(), 1);
    const [role, name] = [`omni_refused_${Date.now()}`, `omni_noconnect_${Date.now()}`];
    const as = (user: string, database?: string) => {
      const url = new URL(testDatabaseUrl());
      [url.username, url.password] = [user, 'x'];
      if (database) url.pathname = `/${database}`;
      return url.toString();
    };
    const refusal = async (url: string) => {
      const sql = connect(url, 1);
      try { return await failure(sql`select 1`); } finally { await sql.end({ timeout: 1 }); }
    };
    try {
      await admin.unsafe(`create role ${role} nologin password 'x'`);
      await admin.unsafe(`create database ${name}`);
      await admin.unsafe(`revoke connect on database ${name} from public`);
      const nologin = await refusal(as(role));
      expect([(nologin as { code?: string }).code, isDatabaseUnavailable(nologin)]).toEqual(['28000', true]);
      expect(isConnectionLoss(await failure(new pg.Client({ connectionString: as(role) }).connect()))).toBe(true);
      await admin.unsafe(`alter role ${role} login`);
      const gone = await refusal(as(role, `${name}_gone`));
      expect([(gone as { code?: string }).code, isDatabaseUnavailable(gone)]).toEqual(['3D000', true]);
      const revoked = await refusal(as(role, name));
      expect([(revoked as { code?: string }).code, isDatabaseUnavailable(revoked)]).toEqual(['42501', true]);
      expect(isConnectionLoss(await failure(new pg.Client({ connectionString: as(role, name) }).connect()))).toBe(true);
      // A table the role may not read: the query's refusal, as before (SYS_001).
      const sql = connect(as(role), 1);
      try {
        const denied = await failure(sql`select * from partners limit 1`);
        expect([(denied as { code?: string }).code, isDatabaseUnavailable(denied), isConnectionLoss(denied)]).toEqual(['42501', false, false]);
        // Nor the database's CREATE, refused to a statement in the same words as CONNECT ("permission denied for database").
        const noCreate = await failure(sql.unsafe(`create schema ${role}_schema`));
        expect((noCreate as Error).message).toMatch(/^permission denied for database/);
        expect([isDatabaseUnavailable(noCreate), isConnectionLoss(noCreate)]).toEqual([false, false]);
      } finally { await sql.end({ timeout: 1 }); }
    } finally {
      await admin.unsafe(`drop database if exists ${name}`);
      await admin.unsafe(`drop role if exists ${role}`);
      await admin.end();
    }
  });

  it('counts a pg connection closed by a DBA\'s idle_session_timeout as lost (the queue\'s LISTEN connection logged an error each time), not as the database away', async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    client.on('error', () => {});
    await client.connect();
    const closed = new Promise<unknown>((resolve) => client.once('error', resolve));
    await client.query("set idle_session_timeout = '100ms'");
    const err = await closed;
    await client.end().catch(() => {});
    expect([(err as { code?: string }).code, isConnectionLoss(err), isDatabaseUnavailable(err)]).toEqual(['57P05', true, false]);
  });

  it('does not count what the query or another resource did wrong', async () => {
    const sql = connect(testDatabaseUrl(), 1);
    try {
      const syntax = await failure(sql`selec 1`);
      expect([isDatabaseUnavailable(syntax), isConnectionLoss(syntax)]).toEqual([false, false]);
    } finally {
      await sql.end();
    }
    // ENOENT like a missing Unix socket, but from a file: not the database's.
    const missingFile = await failure(readFile('/nonexistent/omni-export.csv'));
    expect(isDatabaseUnavailable(missingFile)).toBe(false);
  });
});

describe('a database host that accepts connections and never answers', () => {
  it('fails the query with CONNECT_TIMEOUT after the connect timeout, counted as unavailable (SYS_002)', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    const sql = connect(`postgres://omni:x@127.0.0.1:${port}/omni`, 1, {}, 300);
    try {
      const started = Date.now();
      const err = await failure(sql`select 1`);
      const waited = Date.now() - started;
      expect((err as { code?: string }).code).toBe('CONNECT_TIMEOUT');
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(5000);
    } finally {
      await sql.end({ timeout: 0 });
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
