import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/database.js';
import { queueConnection } from '../../src/db/tls.js';
import { testDatabaseUrl } from '../helpers/test-database.js';
import { testDatabaseProxy } from '../helpers/database-socket.js';

// A server with TLS: the run's database behind a proxy that answers 'S' to an SSLRequest and ends
// TLS itself, with a certificate for "localhost" (no IP address) signed by a CA of the test's own.
// Both drivers must read the URL's TLS as libpq does (src/db/tls.ts): pg took sslmode=require for
// verify-full, so a worker refused a certificate the API took, and neither read sslrootcert (QA).
const dir = mkdtempSync(join(tmpdir(), 'omni-tls-'));
const file = (name: string) => join(dir, name);
let proxy: Server;
let port = 0;
// The same, asking a client certificate signed by the CA, refusing a TLS connection without one.
let certProxy: Server;
let certPort = 0;
let handshakes = 0;
const sockets = new Set<Socket>();

function makeCertificates() {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=Omni test ${ca}`, '-keyout', file(`${ca}.key`), '-out', file(`${ca}.pem`));
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('san.ext'), '-out', file('server.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=omni', '-keyout', file('client.key'), '-out', file('client.csr'));
  openssl('x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-out', file('client.pem'));
}

/** A proxy ending TLS in front of the run's database; `clientCa`: it asks a client certificate that CA signed. */
function tlsProxy(clientCa?: Buffer): Server {
  const [key, cert] = [readFileSync(file('server.key')), readFileSync(file('server.pem'))];
  return testDatabaseProxy(sockets, (client) => {
    client.write('S');
    const secure = new TLSSocket(client, { isServer: true, key, cert, ...(clientCa ? { requestCert: true, rejectUnauthorized: true, ca: clientCa } : {}) });
    secure.on('secure', () => { handshakes++; });
    return secure;
  });
}

beforeAll(async () => {
  makeCertificates();
  [proxy, certProxy] = [tlsProxy(), tlsProxy(readFileSync(file('ca.pem')))];
  await Promise.all([proxy, certProxy].map((p) => new Promise<void>((r) => p.listen(0, r))));
  [port, certPort] = [proxy, certProxy].map((p) => (p.address() as { port: number }).port);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([proxy, certProxy].map((p) => new Promise((r) => p.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** The run's database through the proxy, at `host`, with these libpq TLS parameters. */
function urlAt(host: string, params: Record<string, string>, at = port) {
  const url = new URL(testDatabaseUrl());
  url.searchParams.delete('host');
  url.hostname = host;
  url.port = String(at);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Whether each driver connects (a query answered) with this URL, and whether it went through TLS. */
async function outcome(url: string): Promise<{ postgres: string; pg: string }> {
  const sql = connect(url, 1, {}, 3000);
  const before = handshakes;
  let postgresOutcome: string;
  try {
    await sql`select 1`;
    postgresOutcome = handshakes > before ? 'tls' : 'plain';
  } catch (err) {
    postgresOutcome = `refused: ${(err as Error).message}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
  let pgOutcome: string;
  const middle = handshakes;
  const client = await queueConnection(url, 3000).then((config) => new pg.Client({ ...config, connectionTimeoutMillis: 3000 }), (err: Error) => err);
  if (client instanceof Error) return { postgres: postgresOutcome, pg: `refused: ${client.message}` };
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    pgOutcome = handshakes > middle ? 'tls' : 'plain';
  } catch (err) {
    pgOutcome = `refused: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
  return { postgres: postgresOutcome, pg: pgOutcome };
}

describe('DATABASE_URL TLS, read as libpq reads it by both drivers (the API\'s postgres.js, the job queue\'s pg)', () => {
  it('sslmode=require encrypts without checking the certificate; with sslrootcert, it must be signed by that CA', async () => {
    expect(await outcome(urlAt('127.0.0.1', { sslmode: 'require' }))).toEqual({ postgres: 'tls', pg: 'tls' });
    expect(await outcome(urlAt('127.0.0.1', { sslmode: 'require', sslrootcert: file('ca.pem') }))).toEqual({ postgres: 'tls', pg: 'tls' });
    const other = await outcome(urlAt('127.0.0.1', { sslmode: 'require', sslrootcert: file('other-ca.pem') }));
    expect(other.postgres).toMatch(/^refused: .*certificate/);
    expect(other.pg).toMatch(/^refused: .*certificate/);
  });

  it('sslmode=verify-ca checks the CA, not the name; verify-full checks the name too, an IP address against the certificate\'s', async () => {
    expect(await outcome(urlAt('127.0.0.1', { sslmode: 'verify-ca', sslrootcert: file('ca.pem') }))).toEqual({ postgres: 'tls', pg: 'tls' });
    expect(await outcome(urlAt('localhost', { sslmode: 'verify-full', sslrootcert: file('ca.pem') }))).toEqual({ postgres: 'tls', pg: 'tls' });
    // The certificate is localhost's: 127.0.0.1 is not in it (postgres.js checked an IP address against "localhost").
    const byAddress = await outcome(urlAt('127.0.0.1', { sslmode: 'verify-full', sslrootcert: file('ca.pem') }));
    expect(byAddress.postgres).toMatch(/^refused: .*IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(byAddress.pg).toMatch(/^refused: .*IP: 127\.0\.0\.1 is not in the cert's list/);
    // Without sslrootcert, the system's CAs: the test's CA is not one of them.
    const untrusted = await outcome(urlAt('localhost', { sslmode: 'verify-full' }));
    expect(untrusted.postgres).toMatch(/^refused: .*certificate/);
    expect(untrusted.pg).toMatch(/^refused: .*certificate/);
  });

  it('sslmode=prefer and allow encrypt where the server offers TLS, both drivers (pg read the server\'s pg_stat_ssl, which a proxy that ends TLS makes false)', async () => {
    expect(await outcome(urlAt('127.0.0.1', { sslmode: 'prefer' }))).toEqual({ postgres: 'tls', pg: 'tls' });
    expect(await outcome(urlAt('127.0.0.1', { sslmode: 'allow' }))).toEqual({ postgres: 'tls', pg: 'tls' });
  });

  // The proxy ends a TLS connection that presents no certificate of its CA: 'tls' is a certificate presented.
  it('sslcert and sslkey present a client certificate, under prefer too (postgres.js\'s own prefer took none)', async () => {
    const client = { sslcert: file('client.pem'), sslkey: file('client.key') };
    for (const sslmode of ['require', 'verify-full', 'prefer']) {
      expect(await outcome(urlAt('localhost', { sslmode, sslrootcert: file('ca.pem'), ...client }, certPort)), sslmode).toEqual({ postgres: 'tls', pg: 'tls' });
    }
  });

  it('sslrootcert=system is the system\'s CAs and verify-full, as libpq 16 reads it (it encrypted without checking anything)', async () => {
    const system = await outcome(urlAt('localhost', { sslrootcert: 'system' }));
    expect(system.postgres).toMatch(/^refused: .*certificate/);
    expect(system.pg).toMatch(/^refused: .*certificate/);
  });

  it('sslmode=disable, or none, does not encrypt; a sslrootcert that cannot be read is named', async () => {
    expect(await outcome(urlAt('127.0.0.1', { sslmode: 'disable' }))).toEqual({ postgres: 'plain', pg: 'plain' });
    expect(await outcome(urlAt('127.0.0.1', {}))).toEqual({ postgres: 'plain', pg: 'plain' });
    expect(() => connect(urlAt('127.0.0.1', { sslmode: 'verify-ca', sslrootcert: file('missing.pem') }), 1))
      .toThrow(/^DATABASE_URL's sslrootcert cannot be read: ENOENT/);
  });
});
