import type { StockPlacement } from '../inventory/warehouse-rules.js';

/** What the worker does with an accepted product row: create a product, or update the product `id`; and where its stock goes. */
export interface ProductPlan {
  mode: 'create' | 'update';
  id?: string;
  placement: StockPlacement;
  /**
   * Updates: whether the row changes the product's SKU, as accept saw the product (a products/bulk
   * row keeps its externalId), so that the writer takes the store's key lock before the rows
   * without looking them up (product-writer.ts). Absent in the object plans of 0068-0081: looked
   * up. A compact 'u' plan stored before 'r' existed reads as no rename: a batch accepted before
   * an upgrade and run after it keeps the old order (a deadlock with a writer of variants is
   * then retried, as before).
   */
  renames?: boolean;
}

/**
 * A product row's plan as its batch stores it, beside the request body the row's fields are
 * read from: [mode, id, stock], mode 'c' (create) or 'u' (update the product id), stock a
 * number (product-level stock), [[warehouse, stock], ...] with each warehouse as its index in
 * the batch's list of warehouse ids, or null (no stock). The row's keys are the body's. Mode 'r':
 * an update that changes the product's SKU (renames); read as 'u' by a worker from before it.
 *
 * Why: plans stored as objects, with key names, the row's keys, and each allocation's
 * warehouse id and client id, were ~250 bytes a row; for a 1,000-row request their
 * JSON.stringify and compression took 5.8 ms of the API's CPU (of ~27), and their parse
 * the worker's, for ~15 bytes of information a row.
 */
export type StoredPlan = ['c' | 'u' | 'r', string | null, number | [number, number][] | null];

/** Plans stored before (0068 to 0081): the plan object, with the row's keys or its input. */
type ObjectPlan = ProductPlan & { externalId?: string; sku?: string; input?: Record<string, unknown> };

/** A list of ids, each added once, named by its index in the list (a few warehouses, for many rows). */
export class IdList {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  indexOf(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) { i = this.ids.push(id) - 1; this.index.set(id, i); }
    return i;
  }
}

/** Encodes the plans of one batch, collecting the warehouse ids they name. */
export class PlanEncoder {
  private readonly list = new IdList();
  get warehouses() { return this.list.ids; }

  encode(plan: ProductPlan): StoredPlan {
    const p = plan.placement;
    const stock = p.kind === 'product' ? p.stock
      : p.kind === 'warehouses' ? p.allocations.map((a): [number, number] => [this.list.indexOf(a.warehouseId), a.stock]) : null;
    return [plan.mode === 'create' ? 'c' : plan.renames ? 'r' : 'u', plan.id ?? null, stock];
  }
}

/** A stored plan, of either form; `warehouses` is the batch's list that stored tuples index. */
export function decodePlan(stored: StoredPlan | ObjectPlan, warehouses: readonly string[]): ObjectPlan {
  if (!Array.isArray(stored)) return stored;
  const [mode, id, stock] = stored;
  const placement: StockPlacement = typeof stock === 'number' ? { kind: 'product', stock }
    : stock ? { kind: 'warehouses', allocations: stock.map(([w, n]) => ({ warehouseId: warehouses[w], clientId: '', stock: n })) }
      : { kind: 'none' };
  return mode === 'c' ? { mode: 'create', placement } : { mode: 'update', ...(id ? { id } : {}), placement, renames: mode === 'r' };
}
