import type { Queryable, Sql } from '../db/database.js';
import { hashToken, newStoreClientId, newStoreToken, tokenHint } from '../auth/identifiers.js';
import { MAX_STORE_WAREHOUSES, addWarehouse, listWarehouses, type WarehouseView } from './warehouses.js';
import { pageWithTotal } from '../db/page.js';

export interface CreatedStore {
  storeId: string;
  storeClientId: string;
  storeToken: string;
  warehouses: WarehouseView[];
}

export class NotFoundError extends Error {}

/** A store's id by the client id operators and partners know it by (str_…). */
export async function storeIdOf(sql: Queryable, storeClientId: string, lockRow = false): Promise<string> {
  const [row] = await sql<{ id: string }[]>`select id from stores where client_id = ${storeClientId} ${lockRow ? sql`for no key update` : sql``}`;
  if (!row) throw new NotFoundError(`no store with client id ${storeClientId}`);
  return row.id;
}

/** Issues a new store token. Only its hash is stored; the value is returned once. */
export async function issueStoreToken(sql: Queryable, storeId: string, expiresAt: Date | null = null): Promise<string> {
  const token = newStoreToken();
  await sql`insert into store_tokens (store_id, token_hash, token_hint, expires_at)
    values (${storeId}, ${hashToken(token)}, ${tokenHint(token)}, ${expiresAt})`;
  return token;
}

export async function createStore(
  sql: Sql, input: { partnerClientId: string; name: string; warehouses?: number; expiresAt?: Date | null },
): Promise<CreatedStore> {
  return sql.begin(async (tx) => {
    const [partner] = await tx<{ id: string }[]>`select id from partners where client_id = ${input.partnerClientId}`;
    if (!partner) throw new NotFoundError(`no partner with client id ${input.partnerClientId}`);
    const storeClientId = newStoreClientId();
    const [store] = await tx<{ id: string }[]>`
      insert into stores (partner_id, client_id, name) values (${partner.id}, ${storeClientId}, ${input.name}) returning id`;
    const storeToken = await issueStoreToken(tx, store.id, input.expiresAt ?? null);
    const warehouses: WarehouseView[] = [];
    for (let i = 1; i <= (input.warehouses ?? 0); i++) {
      warehouses.push(await addWarehouse(tx, store.id, `Warehouse ${i}`));
    }
    return { storeId: store.id, storeClientId, storeToken, warehouses };
  });
}

/**
 * Replaces every live token of the store with a new one: the old ones stop working at once. The
 * new one ends when access was to end: with the seller's authorization, for a store onboarded (it
 * never expired, past the period the seller chose; QA), else with the latest of the live tokens it
 * replaces (none, or one without an end: never). A store whose seller's authorization was revoked
 * (an unbind) or has ended is refused: only the seller gives access to it again, by onboarding.
 */
export async function rotateStoreToken(sql: Sql, storeClientId: string): Promise<{ storeClientId: string; partnerClientId: string; storeToken: string; expiresAt: Date | null }> {
  return sql.begin(async (tx) => {
    // In turn with a claim of the store (its row, as claimStoreAccess and unbindStore lock it): a
    // claim committed between this read and the revocation below lost its new token (QA).
    const storeId = await storeIdOf(tx, storeClientId, true);
    const [authorization] = await tx<{ expires_at: Date; revoked_at: Date | null; ended: boolean }[]>`
      select expires_at, revoked_at, expires_at <= now() as ended from store_authorizations where store_id = ${storeId} order by created_at desc limit 1`;
    if (authorization?.revoked_at) {
      throw new Error(`store ${storeClientId}: its seller's authorization was revoked at ${authorization.revoked_at.toISOString()} (an unbind); only the seller can give access again, by onboarding`);
    }
    if (authorization?.ended) {
      throw new Error(`store ${storeClientId}: its seller's authorization ended at ${authorization.expires_at.toISOString()}; only the seller can give access again, by onboarding`);
    }
    const replaced = await tx<{ expires_at: Date | null; live: boolean }[]>`
      update store_tokens set revoked_at = now() where store_id = ${storeId} and revoked_at is null
      returning expires_at, (expires_at is null or expires_at > now()) as live`;
    const live = replaced.filter((t) => t.live);
    const expiresAt = authorization ? authorization.expires_at
      : live.length === 0 || live.some((t) => t.expires_at === null) ? null : new Date(Math.max(...live.map((t) => t.expires_at!.getTime())));
    // Whose token it is: the store may have moved to another partner since the operator looked.
    const [{ partnerClientId }] = await tx<{ partnerClientId: string }[]>`
      select p.client_id as "partnerClientId" from stores s join partners p on p.id = s.partner_id where s.id = ${storeId}`;
    return { storeClientId, partnerClientId, storeToken: await issueStoreToken(tx, storeId, expiresAt), expiresAt };
  });
}

export async function revokeStoreTokens(sql: Queryable, storeClientId: string): Promise<{ storeClientId: string; revoked: number }> {
  const storeId = await storeIdOf(sql, storeClientId);
  const rows = await sql`update store_tokens set revoked_at = now() where store_id = ${storeId} and revoked_at is null returning id`;
  return { storeClientId, revoked: rows.length };
}

export async function setStoreStatus(sql: Queryable, storeClientId: string, status: 'ACTIVE' | 'BLOCKED') {
  const rows = await sql`update stores set status = ${status}, updated_at = now() where client_id = ${storeClientId} returning id`;
  if (rows.length === 0) throw new NotFoundError(`no store with client id ${storeClientId}`);
  return { storeClientId, status };
}

/**
 * `omni admin warehouse add`: at most MAX_STORE_WAREHOUSES a store. A product read lists every
 * warehouse of its store, and a request places at most 100,000 stock rows: a store of ten thousand
 * warehouses answered a page of 20 products with 200,000 warehouse entries, and took 10 products a
 * request. Counted with the store's row locked, as add_warehouse locks it: two adds at once cannot
 * both take the last place.
 */
export async function addWarehouseToStore(sql: Sql, storeClientId: string, name: string): Promise<WarehouseView> {
  return sql.begin(async (tx) => {
    const storeId = await storeIdOf(tx, storeClientId, true);
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from warehouses where store_id = ${storeId}`;
    if (n >= MAX_STORE_WAREHOUSES) {
      throw new Error(`store ${storeClientId} has ${n.toLocaleString('en-US')} warehouses, the most a store may have (${MAX_STORE_WAREHOUSES.toLocaleString('en-US')})`);
    }
    return addWarehouse(tx, storeId, name);
  });
}

/** A store as the partner's list shows it (`s`: the stores row). */
const storeColumns = (sql: Queryable) => sql`s.client_id as "storeClientId", s.name, s.status,
  exists (select 1 from store_tokens t where t.store_id = s.id and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())) as bound,
  (select count(*) from warehouses w where w.store_id = s.id)::int as "warehouseCount", s.created_at as "createdAt"`;
type StoreRow = { storeClientId: string; name: string; status: string; bound: boolean; warehouseCount: number; createdAt: Date };

/** Every store of the partner, oldest first (`omni admin store list`). */
export async function listPartnerStores(sql: Queryable, partnerId: string) {
  return sql<StoreRow[]>`select ${storeColumns(sql)} from stores s where s.partner_id = ${partnerId} order by s.created_at, s.id`;
}

/**
 * One page of the partner's stores, oldest first, with their total (GET /partner/stores): a channel
 * manager may hold thousands, which the list answered at once until 2026-12-07. The page is cut
 * before its stores' tokens and warehouses are looked at.
 */
export async function partnerStorePage(sql: Queryable, partnerId: string, page: { page: number; limit: number }) {
  const { total, rows } = await pageWithTotal<StoreRow>(sql, sql`select count(*)::int as total from stores where partner_id = ${partnerId}`, sql`
    select ${storeColumns(sql)} from (select * from stores where partner_id = ${partnerId}
      order by created_at, id limit ${page.limit} offset ${(page.page - 1) * page.limit}) as s
    order by s.created_at, s.id`);
  return { total, items: rows };
}

/** One store as support needs it (`omni admin store show`): its partner, status, PIM tenant, warehouses, and its live tokens by hint (never a token). */
export async function showStore(sql: Queryable, storeClientId: string) {
  const [store] = await sql<{ id: string; name: string; status: string; partnerClientId: string; partnerName: string; tenantId: string | null; createdAt: Date }[]>`
    select s.id, s.name, s.status, p.client_id as "partnerClientId", p.name as "partnerName",
      (select t.id from tenants t where t.store_id = s.id) as "tenantId", s.created_at as "createdAt"
    from stores s join partners p on p.id = s.partner_id where s.client_id = ${storeClientId}`;
  if (!store) throw new NotFoundError(`no store with client id ${storeClientId}`);
  const { id, ...rest } = store;
  const warehouses = (await listWarehouses(sql, id)).map(({ clientId, name, createdAt }) => ({ clientId, name, createdAt }));
  const tokens = await sql`
    select token_hint as hint, created_at as "createdAt", expires_at as "expiresAt" from store_tokens
    where store_id = ${id} and revoked_at is null and (expires_at is null or expires_at > now()) order by created_at`;
  return { storeClientId, ...rest, warehouses, tokens };
}
