import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { UUID } from '../db/key-lookup.js';

/** What a PIM user may do (0156): an editor changes the catalog and reads it; a viewer reads it. */
export const PIM_ROLES = ['editor', 'viewer'] as const;
export type PimRole = typeof PIM_ROLES[number];

export interface PimPrincipal { userId: string; email: string; role: PimRole; orgId: string; tenantId: string; storeId: string; partnerId: string }

/** PIM_012 (403) unless the caller is an editor: what changes the catalog (a bulk job). */
export function requireEditor(who: PimPrincipal, action: string): void {
  if (who.role !== 'editor') throw new AppError('PIM_012', { role: who.role, required: 'editor', action });
}

const hash = (token: string) => createHash('sha256').update(token).digest();

/**
 * What is wrong with an X-Org-ID or X-Tenant-ID value, for PIM_002/PIM_003's context.reason.
 * A tenant of another organization and no tenant at all read the same: the answer tells
 * nothing about other organizations.
 */
function scopeMistake(value: string | string[] | undefined, otherwise: string): string {
  if (value === undefined || value === '') return 'missing';
  if (typeof value !== 'string' || !UUID.test(value)) return 'not a uuid';
  return otherwise;
}

/**
 * Bearer token, then scope: 401 when the token is missing, unknown, revoked or
 * expired (before anything else); 403 when X-Org-ID is not the token's org,
 * X-Tenant-ID is not a tenant of it, or the tenant's store is blocked. One query.
 */
export async function authenticatePim(sql: Queryable, headers: Record<string, string | string[] | undefined>): Promise<PimPrincipal> {
  const auth = typeof headers.authorization === 'string' ? headers.authorization : '';
  const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  if (!token) throw new AppError('PIM_001', { reason: 'no bearer token' });
  const orgId = headers['x-org-id'];
  const tenantId = headers['x-tenant-id'];
  const tenant = typeof tenantId === 'string' && UUID.test(tenantId) ? tenantId : null;
  const [row] = await sql<any[]>`
    select u.id as user_id, u.email, u.role, u.org_id, t.id as tenant_id, t.org_id as tenant_org, t.store_id, s.partner_id, s.status as store_status
    from pim_tokens k join pim_users u on u.id = k.user_id
    left join tenants t on t.id = ${tenant}::uuid left join stores s on s.id = t.store_id
    where k.token_hash = ${hash(token)} and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())`;
  if (!row) throw new AppError('PIM_001', { reason: 'token unknown, revoked or expired' });
  if (typeof orgId !== 'string' || orgId.toLowerCase() !== row.org_id) {
    throw new AppError('PIM_002', { orgId: orgId ?? null, header: 'X-Org-ID', reason: scopeMistake(orgId, "is not your token's organization"),
      ...(scopeMistake(tenantId, '') === 'missing' ? { alsoMissing: ['X-Tenant-ID'] } : {}) });
  }
  if (!row.tenant_id || row.tenant_org !== row.org_id) {
    throw new AppError('PIM_003', { tenantId: tenantId ?? null, header: 'X-Tenant-ID', reason: scopeMistake(tenantId, 'is not a tenant of your organization') });
  }
  // A blocked store refuses every request for it (`omni admin store block`), its PIM tenant's too:
  // the Partner API's alone were refused until 2026-12-06 (QA: a PIM job wrote to a blocked store).
  if (row.store_status === 'BLOCKED') throw new AppError('PIM_011', { tenantId: row.tenant_id });
  return { userId: row.user_id, email: row.email, role: row.role, orgId: row.org_id, tenantId: row.tenant_id, storeId: row.store_id, partnerId: row.partner_id };
}

export async function createOrg(sql: Queryable, name: string) {
  const [r] = await sql<{ id: string }[]>`insert into orgs (name) values (${name}) returning id`;
  return { orgId: r.id, name };
}

export async function createTenant(sql: Queryable, input: { orgId: string; storeClientId: string; name?: string; notifyEmail?: string }) {
  const [store] = await sql<{ id: string; name: string }[]>`select id, name from stores where client_id = ${input.storeClientId}`;
  if (!store) throw new Error(`no store with client id ${input.storeClientId}`);
  const [r] = await sql<{ id: string }[]>`
    insert into tenants (org_id, store_id, name, notify_email) values (${input.orgId}, ${store.id}, ${input.name ?? store.name}, ${input.notifyEmail ?? null}) returning id`;
  return { tenantId: r.id, orgId: input.orgId, storeClientId: input.storeClientId };
}

export async function createPimUser(sql: Queryable, orgId: string, email: string, role: PimRole = 'editor') {
  const [r] = await sql<{ id: string }[]>`insert into pim_users (org_id, email, role) values (${orgId}, ${email.toLowerCase()}, ${role}) returning id`;
  return { userId: r.id, orgId, email: email.toLowerCase(), role };
}

/** Gives a user another role (`omni admin user set-role`): its tokens act with it from their next request. */
export async function setPimUserRole(sql: Queryable, userId: string, role: PimRole) {
  const [r] = await sql<{ email: string }[]>`update pim_users set role = ${role} where id = ${userId} returning email`;
  if (!r) throw new Error(`no PIM user ${userId}`);
  return { userId, email: r.email, role };
}

/** A bearer token for a user; only its hash is kept, the value is shown once (its tokenId names it afterwards). */
export async function createPimToken(sql: Queryable, userId: string, expiresAt: Date | null = null) {
  const token = `pim_${randomBytes(24).toString('base64url')}`;
  const [r] = await sql<{ id: string }[]>`insert into pim_tokens (user_id, token_hash, expires_at) values (${userId}, ${hash(token)}, ${expiresAt}) returning id`;
  return { token, tokenId: r.id, userId, expiresAt: expiresAt?.toISOString() ?? null };
}

/** A user's tokens, oldest first, by tokenId (`omni admin token list`): never the token, whose hash alone is kept. */
export async function listPimTokens(sql: Queryable, userId: string) {
  const [user] = await sql`select 1 from pim_users where id = ${userId}`;
  if (!user) throw new Error(`no PIM user ${userId}`);
  return sql<{ tokenId: string; active: boolean; createdAt: Date; expiresAt: Date | null; revokedAt: Date | null }[]>`
    select id as "tokenId", (revoked_at is null and (expires_at is null or expires_at > now())) as active,
      created_at as "createdAt", expires_at as "expiresAt", revoked_at as "revokedAt"
    from pim_tokens where user_id = ${userId} order by created_at, id`;
}

/**
 * Revokes at once the token given, the token of that tokenId, or every token of a user (one
 * who left, or whose token leaked where nobody can read it back); how many were revoked (0:
 * unknown or revoked already).
 */
export async function revokePimTokens(sql: Queryable, which: { token: string } | { tokenId: string } | { userId: string }) {
  const match = 'token' in which ? sql`token_hash = ${hash(which.token)}`
    : 'tokenId' in which ? sql`id = ${which.tokenId}` : sql`user_id = ${which.userId}`;
  const rows = await sql`update pim_tokens set revoked_at = now() where ${match} and revoked_at is null returning 1`;
  return { revoked: rows.length };
}

/** Every organization, oldest first, with how many tenants and users it has (`omni admin org list`). */
export async function listOrgs(sql: Queryable) {
  return sql<{ orgId: string; name: string; tenantCount: number; userCount: number; createdAt: Date }[]>`
    select o.id as "orgId", o.name,
      (select count(*) from tenants t where t.org_id = o.id)::int as "tenantCount",
      (select count(*) from pim_users u where u.org_id = o.id)::int as "userCount", o.created_at as "createdAt"
    from orgs o order by o.created_at, o.id`;
}

/** An organization's tenants (stores) and users, with each user's live token count (`omni admin org show`); never a token. */
export async function showOrg(sql: Queryable, orgId: string) {
  const [org] = await sql<{ name: string }[]>`select name from orgs where id = ${orgId}`;
  if (!org) throw new Error(`no PIM organization ${orgId}`);
  const tenants = await sql`
    select t.id as "tenantId", s.client_id as "storeClientId", t.name, t.notify_email as "notifyEmail", t.created_at as "createdAt"
    from tenants t join stores s on s.id = t.store_id where t.org_id = ${orgId} order by t.created_at, t.id`;
  const users = await sql`
    select u.id as "userId", u.email, u.role,
      (select count(*) from pim_tokens k where k.user_id = u.id and k.revoked_at is null and (k.expires_at is null or k.expires_at > now()))::int as "activeTokens",
      u.created_at as "createdAt"
    from pim_users u where u.org_id = ${orgId} order by u.created_at, u.id`;
  return { orgId, name: org.name, tenants, users };
}
