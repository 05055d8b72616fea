import type { ErrorDefinitions } from '../types.js';

/** The stock/warehouse rules of seeds 000 and 003, shared by every write path. */
export const warehouseErrors = {
  WHS_001: { status: 400, message: 'Stock can be set at one level only', hint: 'Send either stock or warehouses, not both' },
  WHS_002: { status: 400, message: 'Warehouses not allowed: the store has no warehouses', hint: 'Send stock instead of warehouses' },
  WHS_003: { status: 400, message: 'Unknown warehouse clientId', hint: 'Use the clientIds from GET /api/v1/partner/stores/warehouses' },
  WHS_004: { status: 400, message: 'Duplicate warehouse clientId', hint: 'List each warehouse once per item' },
  WHS_005: { status: 400, message: 'Variant stock needs a warehouse', hint: 'The store has no warehouses: stock of products with variants cannot be set until a warehouse exists' },
  WHS_006: { status: 400, message: 'Warehouse stock missing', hint: 'Give each warehouse item its stock ({clientId, stock}); PATCH /inventory also takes a stock with a list of clientIds' },
  WHS_007: { status: 400, message: 'Warehouses cannot be empty', hint: 'List at least one warehouse, or send stock' },
} satisfies ErrorDefinitions;
