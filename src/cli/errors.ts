import { AppError } from '../errors/app-error.js';
import { isConnectionRefused } from '../db/unavailable.js';

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
  /** Set by server.ts on a failure of the API's listen (HOST:PORT). */
  listenAddress?: string;
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
/** Where the operator finds the right value, after the constraint's message. */
const CONSTRAINT_NEXT_STEPS: Record<string, string> = {
  tenants_store_id_key: "`omni admin store show --store str_…` names it, `omni admin org show --org ORG` lists an organization's tenants",
  tenants_org_id_fkey: '`omni admin org list` lists the organizations',
  pim_users_org_id_fkey: '`omni admin org list` lists the organizations',
  pim_tokens_user_id_fkey: "`omni admin org show --org ORG` lists an organization's users",
};
/** Constraints whose key is an internal id, not one the operator typed: the message leaves it out. */
const INTERNAL_KEYS = new Set(['tenants_store_id_key']);

/** What to do next after a lookup an admin command failed, by the message its service threw. */
const NEXT_STEPS: [RegExp, string][] = [
  [/^no partner with client id \S+$/, '`omni admin partner list` lists the partners (ptnr_…)'],
  [/^no store with client id \S+$/, "`omni admin store list --partner ptnr_…` lists a partner's stores (str_…)"],
  [/^no PIM organization \S+$/, '`omni admin org list` lists the organizations'],
  [/^no PIM user \S+$/, "`omni admin org show --org ORG` lists an organization's users"],
];

/** Failures to reach PostgreSQL (network errors); its refusals of our login or database are isConnectionRefused's (src/db/unavailable.ts). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'CONNECT_TIMEOUT']);

export function describeFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & Partial<FailureFields>;
  if (e.code === '23505' || e.code === '23503') {
    // detail: Key (email)=(a@b.c) already exists. / Key (org_id)=(…) is not present in table "orgs".
    const key = INTERNAL_KEYS.has(e.constraint_name ?? '') ? null : /^Key \((.+?)\)=\((.*)\)/.exec(e.detail ?? '');
    const what = CONSTRAINT_MESSAGES[e.constraint_name ?? ''] ?? (e.code === '23505' ? 'already exists' : 'refers to something that does not exist');
    const next = CONSTRAINT_NEXT_STEPS[e.constraint_name ?? ''];
    return `error: ${what}${key ? ` (${key[1]} ${key[2]})` : ''}${next ? `: ${next}` : ''}`;
  }
  if (e.listenAddress && e.code !== 'EADDRINUSE') {
    return `error: cannot listen on ${e.listenAddress} (${e.message}): check HOST (an address or name of this machine) and PORT`;
  }
  // CONNECT revoked among the refusals (42501 at connection: it read "error: permission denied for database …" alone; review).
  if (e.code && (CONNECTION_CODES.has(e.code) || isConnectionRefused(e))) {
    const where = env.DATABASE_URL ? 'the database of DATABASE_URL' : 'the embedded PostgreSQL';
    const check = env.DATABASE_URL ? 'check that PostgreSQL runs there and that DATABASE_URL (host, port, user, password, database) is right, and the role may connect'
      : 'check OMNI_DATA_DIR and OMNI_PG_PORT, and the output of `omni serve`';
    return `error: cannot connect to ${where}: ${e.message}; ${check}`;
  }
  if (e.code === 'EADDRINUSE') {
    return `error: ${e.address ?? 'the address'}:${e.port ?? '?'} is already in use (another omni serve?): stop that process or set PORT (and HOST)`;
  }
  // An expected failure of a service: its catalogue code and hint (docs/errors.md).
  if (err instanceof AppError) {
    const reason = typeof err.context.reason === 'string' ? `: ${err.context.reason}` : '';
    return `error: ${e.message} (${err.code}${reason}): ${err.hint}`;
  }
  const next = NEXT_STEPS.find(([pattern]) => pattern.test(e.message));
  return `error: ${e.message}${next ? `: ${next[1]}` : ''}`;
}
