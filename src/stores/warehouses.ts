import type { Queryable } from '../db/database.js';
import { newWarehouseClientId } from '../auth/identifiers.js';
import { pageWithTotal } from '../db/page.js';

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
  const { total, rows } = await pageWithTotal<WarehouseRow>(sql, sql`select count(*)::int as total from warehouses where store_id = ${storeId}`,
    sql`${warehouseRows(sql, storeId)} limit ${page.limit} offset ${(page.page - 1) * page.limit}`);
  return { total, items: rows };
}

type WarehouseRow = { id: string; clientId: string; name: string; createdAt: Date };
const warehouseRows = (sql: Queryable, storeId: string) => sql`
  select id, client_id as "clientId", name, created_at as "createdAt" from warehouses where store_id = ${storeId} order by created_at, name, id`;

export async function listWarehouses(sql: Queryable, storeId: string) {
  return sql<WarehouseRow[]>`${warehouseRows(sql, storeId)}`;
}
