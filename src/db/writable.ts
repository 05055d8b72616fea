import type { Queryable } from './database.js';

/**
 * Why the database takes no writes, if it takes none: a standby (a read replica named by mistake),
 * or sessions made read-only by a DBA's default_transaction_read_only. Such a database let the API
 * start and answer /ready 200, then answer every write 500, and a worker stop with "cannot execute
 * INSERT in a read-only transaction", naming neither (DBA-settings QA).
 */
export async function readOnlyReason(sql: Queryable): Promise<string | undefined> {
  // in_hot_standby (PostgreSQL 14 and later), not pg_is_in_recovery(): any role reads a setting, and
  // a DBA may revoke the function from PUBLIC (every start then failed "permission denied": QA).
  const [row] = await sql<{ standby: string; read_only: string }[]>`
    select current_setting('in_hot_standby') as standby, current_setting('transaction_read_only') as read_only`;
  if (row.standby === 'on') return 'it is a standby in recovery (a read replica): point DATABASE_URL at the primary';
  if (row.read_only === 'on') {
    return 'its sessions are read-only (default_transaction_read_only is on for this role or database): '
      + 'ALTER ROLE … SET default_transaction_read_only = off, or connect as a role that writes';
  }
  return undefined;
}
