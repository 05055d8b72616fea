/**
 * What the `omni` command prints for a failure: one line, no stack. PostgreSQL's own
 * wording names tables and constraints ("violates foreign key constraint
 * tenants_org_id_fkey"), which says little to an operator who typed an id.
 */
interface FailureFields {
  message: string;
  code?: string;
  constraint_name?: string;
  detail?: string;
  address?: string;
  port?: number;
}

/** Admin inputs that a unique or foreign key refuses, by constraint. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  sellers_email_key: 'a seller with this email already exists',
  pim_users_email_key: 'a PIM user with this email already exists',
  tenants_store_id_key: 'this store already has a PIM tenant',
  tenants_org_id_fkey: 'no PIM organization has this id',
  pim_users_org_id_fkey: 'no PIM organization has this id',
  pim_tokens_user_id_fkey: 'no PIM user has this id',
};
/** Constraints whose key is an internal id, not one the operator typed: the message leaves it out. */
const INTERNAL_KEYS = new Set(['tenants_store_id_key']);

/** Failures to reach or log in to PostgreSQL: network errors, and SQLSTATE 28xxx (login) and 3D000 (no such database). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'CONNECT_TIMEOUT', '28P01', '28000', '3D000']);

export function describeFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & Partial<FailureFields>;
  if (e.code === '23505' || e.code === '23503') {
    // detail: Key (email)=(a@b.c) already exists. / Key (org_id)=(…) is not present in table "orgs".
    const key = INTERNAL_KEYS.has(e.constraint_name ?? '') ? null : /^Key \((.+?)\)=\((.*)\)/.exec(e.detail ?? '');
    const what = CONSTRAINT_MESSAGES[e.constraint_name ?? ''] ?? (e.code === '23505' ? 'already exists' : 'refers to something that does not exist');
    return `error: ${what}${key ? ` (${key[1]} ${key[2]})` : ''}`;
  }
  if (e.code && CONNECTION_CODES.has(e.code)) {
    const where = env.DATABASE_URL ? 'the database of DATABASE_URL' : 'the embedded PostgreSQL';
    return `error: cannot connect to ${where}: ${e.message}`;
  }
  if (e.code === 'EADDRINUSE') {
    return `error: ${e.address ?? 'the address'}:${e.port ?? '?'} is already in use (another omni serve?): stop that process or set PORT (and HOST)`;
  }
  return `error: ${e.message}`;
}
