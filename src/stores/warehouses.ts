import type { Queryable } from '../db/database.js';
import { newWarehouseClientId } from '../auth/identifiers.js';

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

export async function listWarehouses(sql: Queryable, storeId: string) {
  return sql<{ id: string; clientId: string; name: string; createdAt: Date }[]>`
    select id, client_id as "clientId", name, created_at as "createdAt"
    from warehouses where store_id = ${storeId} order by created_at, name`;
}
