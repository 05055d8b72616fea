import type { Queryable } from '../db/database.js';
import { newWarehouseClientId } from '../auth/identifiers.js';

export interface WarehouseView {
  clientId: string;
  name: string;
}

export async function addWarehouse(sql: Queryable, storeId: string, name: string): Promise<WarehouseView> {
  const [row] = await sql<WarehouseView[]>`
    insert into warehouses (store_id, client_id, name) values (${storeId}, ${newWarehouseClientId()}, ${name})
    returning client_id as "clientId", name`;
  return row;
}

export async function listWarehouses(sql: Queryable, storeId: string) {
  return sql<{ id: string; clientId: string; name: string; createdAt: Date }[]>`
    select id, client_id as "clientId", name, created_at as "createdAt"
    from warehouses where store_id = ${storeId} order by created_at, name`;
}
