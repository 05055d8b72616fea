import type { Queryable } from '../db/database.js';
import { newWarehouseClientId } from '../auth/identifiers.js';

/** The most warehouses a store may have (`omni admin warehouse add`; README "Limits"). */
export const MAX_STORE_WAREHOUSES = 1_000;

export interface WarehouseView {
  clientId: string;
  name: string;
}

/**
 * Adds a warehouse to a store. The store's first warehouse takes over the stock its
 * products had without one, so a product's stock stays the sum of its warehouse rows
 * (add_warehouse, migration 0073).
 */
export async function addWarehouse(sql: Queryable, storeId: string, name: string): Promise<WarehouseView> {
  const [row] = await sql<WarehouseView[]>`
    select client_id as "clientId", name from add_warehouse(${storeId}::uuid, ${newWarehouseClientId()}, ${name})`;
  return row;
}

/** One page of the store's warehouses, oldest first, with their total (GET /partner/stores/warehouses). */
export async function listWarehousePage(sql: Queryable, storeId: string, page: { page: number; limit: number }) {
  const rows = await sql<{ id: string; clientId: string; name: string; createdAt: Date; total: number }[]>`
    select id, client_id as "clientId", name, created_at as "createdAt", count(*) over ()::int as total
    from warehouses where store_id = ${storeId} order by created_at, name, id limit ${page.limit} offset ${(page.page - 1) * page.limit}`;
  const total = rows[0]?.total ?? (page.page > 1 ? (await sql<{ n: number }[]>`select count(*)::int as n from warehouses where store_id = ${storeId}`)[0].n : 0);
  return { total, items: rows.map(({ total: _, ...warehouse }) => warehouse) };
}

export async function listWarehouses(sql: Queryable, storeId: string) {
  return sql<{ id: string; clientId: string; name: string; createdAt: Date }[]>`
    select id, client_id as "clientId", name, created_at as "createdAt"
    from warehouses where store_id = ${storeId} order by created_at, name, id`;
}
