import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { testDatabaseUrl } from './test-database.js';

/** The frontend message code of an SSLRequest (its bytes 4-7), which a proxy in front of PostgreSQL answers itself. */
export const SSL_REQUEST = 80877103;

/** Opens a new connection to the run's database, by its Unix socket or its TCP address: what a test's proxy forwards to. */
export function testDatabaseSocket(): () => Socket {
  const target = new URL(testDatabaseUrl());
  const socketDir = target.searchParams.get('host');
  const port = Number(target.port || 5432);
  return () => (socketDir?.startsWith('/') ? createConnection(`${socketDir}/.s.PGSQL.${port}`) : createConnection(port, target.hostname));
}

/**
 * A proxy in front of the run's database (not yet listening) that answers a client's SSLRequest
 * itself: `onSslRequest` answers it and returns the stream to forward (TLS it ends), or returns null
 * for 'N', a server without TLS, and the connection goes on in plain text. Every socket it opens is
 * added to `sockets`, for the test to destroy.
 */
export function testDatabaseProxy(sockets: Set<Socket>, onSslRequest: (client: Socket) => Duplex | null): Server {
  const open = testDatabaseSocket();
  return createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      const upstream = open();
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      const sslRequest = first.length >= 8 && first.readInt32BE(4) === SSL_REQUEST;
      const secure = sslRequest ? onSslRequest(client) : null;
      if (secure) {
        secure.on('error', () => client.destroy());
        secure.pipe(upstream).pipe(secure);
        return;
      }
      if (sslRequest) client.write('N');
      const rest = sslRequest ? first.subarray(8) : first;
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream).pipe(client);
    });
  });
}
