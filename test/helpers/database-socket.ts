import { createConnection, type Socket } from 'node:net';
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
