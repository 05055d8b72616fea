import type { ErrorDefinitions } from '../types.js';

/** The stock/warehouse rules of seeds 000 and 003, shared by every write path. */
export const warehouseErrors = {
  WHS_001: { status: 400, message: 'Stock can be set at one level only', hint: 'Give each stock once: per warehouse item ({clientId, stock}), or as the row\'s stock with its warehouses as clientIds, not both' },
  WHS_002: { status: 400, message: 'Warehouses not allowed: the store has no warehouses', hint: 'Send stock instead of warehouses' },
  WHS_003: { status: 400, message: 'Unknown warehouse clientId', hint: 'Use the clientIds from GET /api/v1/partner/stores/warehouses' },
  WHS_004: { status: 400, message: 'Duplicate warehouse clientId', hint: 'List each warehouse once per item' },
  WHS_005: { status: 400, message: 'Variant stock needs a warehouse', hint: 'The store has no warehouses: leave stock out of the variant items (the product is written without it), and ask the marketplace to add a warehouse before setting variant stock' },
  WHS_006: { status: 400, message: 'Warehouse stock missing', hint: 'Give each warehouse item its stock ({clientId, stock}); PATCH /inventory also takes a stock with a list of clientIds' },
  WHS_007: { status: 400, message: 'Warehouses cannot be empty', hint: 'List at least one warehouse, or send stock' },
} satisfies ErrorDefinitions;
