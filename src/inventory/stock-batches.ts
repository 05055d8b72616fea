import type { Transaction } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { lookupByKey } from '../db/key-lookup.js';
import { registerBatchKind, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { decodeStockRow, type StockRow, type StoredStockRow } from './stock-payload.js';

/**
 * Applies a chunk of stock updates with two statements. Every write carries
 * its acceptance sequence (batch sequence, then row index) and only replaces a
 * value written by an earlier-accepted request: whichever worker runs which
 * batch when, the last accepted value for a SKU wins.
 *
 * A product or variant deleted since acceptance fails its row instead of the chunk.
 * Looking every target up first cost PostgreSQL ~13 ms a chunk of 1,000 (a probe per
 * product and variant) for what is almost never there, so the chunk is first written
 * as if all were alive, in a savepoint: a deleted target's rows are gone with it
 * (cascade), so its write is an INSERT, which the stock triggers refuse with a
 * foreign key violation (0061, 0069). Only then is the chunk looked up and written
 * again without the dead. Product-level stock (a store without warehouses) is an
 * UPDATE that would skip a deleted product silently, so a chunk holding any is
 * looked up first.
 */
async function processStockRows(tx: Transaction, ctx: BatchContext, stored: { rowIndex: number; payload: StoredStockRow | StockRow }[]): Promise<RowOutcome[]> {
  const rows = stored.map((r) => ({ rowIndex: r.rowIndex, payload: decodeStockRow(r.payload) }));
  const productLevel = rows.some((r) => r.payload.placement.kind === 'product');
  const written = !productLevel && await writeAssumingAlive(tx, ctx, rows);
  const ok = written ? rows : await liveRows(tx, ctx, rows);
  if (!written) await writeStock(tx, ctx, ok);
  // One audit event per chunk: the batch holds each row's target and outcome, and every
  // accepted row has its stock.update.requested event.
  const variants = ok.filter((r) => r.payload.variantId).length;
  await recordAudit(tx, ok.length === 0 ? [] : [{
    storeId: ctx.storeId, actorType: 'partner', actor: ctx.partnerClientId, action: 'stock.updated',
    resourceType: 'batch', resourceId: ctx.batchId, requestId: ctx.requestId,
    changes: { batchId: ctx.batchId, rows: ok.map((r) => r.rowIndex).sort((a, b) => a - b), products: ok.length - variants, variants },
  }]);
  // No afterProductsChanged: no data-quality rule reads stock, and this is the hottest path.
  const applied = new Set(ok.map((r) => r.rowIndex));
  return rows.map((r) => (applied.has(r.rowIndex)
    ? { rowIndex: r.rowIndex, status: 'SUCCEEDED', result: { target: r.payload.target, id: r.payload.variantId ?? r.payload.productId } }
    : { rowIndex: r.rowIndex, status: 'FAILED', code: r.payload.variantId ? 'INV_001' : 'INV_002', details: { context: { reason: 'Deleted before the update was applied' } } }));
}

/** Writes the chunk in a savepoint; false (and nothing written) when a target was deleted since acceptance. */
function writeAssumingAlive(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: StockRow }[]): Promise<boolean> {
  return tx.savepoint((sp) => writeStock(sp, ctx, rows)).then(() => true, (err: { code?: string }) => {
    if (err.code === '23503') return false;
    throw err;
  });
}

/** The rows whose product (and variant) still exist. */
async function liveRows(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: StockRow }[]) {
  const live = await tx<{ id: string }[]>`
    ${lookupByKey(tx, { table: 'products', key: 'id', storeId: ctx.storeId, values: [...new Set(rows.map((r) => r.payload.productId))], columns: 'x.id' })}
    union all ${lookupByKey(tx, { table: 'product_variants', key: 'id', storeId: ctx.storeId, values: rows.flatMap((r) => (r.payload.variantId ? [r.payload.variantId] : [])), columns: 'x.id' })}`;
  const alive = new Set(live.map((l) => l.id));
  return rows.filter((r) => alive.has(r.payload.productId) && (!r.payload.variantId || alive.has(r.payload.variantId)));
}

/**
 * Product-level stock was accepted while the store had no warehouse. When it has one by
 * now (the first took over its products' stock: add_warehouse, migration 0073), that
 * stock goes to every warehouse, as the warehouse rules place a request accepted now;
 * written on the product, it would no longer be the sum of its rows. The store's row,
 * share-locked, keeps a first warehouse from arriving between this look and the write.
 */
async function onCurrentWarehouses(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: StockRow }[]) {
  if (!rows.some((r) => r.payload.placement.kind === 'product')) return rows;
  const warehouses = await tx<{ id: string }[]>`
    with s as (select id from stores where id = ${ctx.storeId} for share)
    select w.id from warehouses w join s on w.store_id = s.id`;
  if (warehouses.length === 0) return rows;
  return rows.map((r) => {
    const placement = r.payload.placement;
    if (placement.kind !== 'product') return r;
    const allocations = warehouses.map((w) => ({ warehouseId: w.id, clientId: '', stock: placement.stock }));
    return { ...r, payload: { ...r.payload, placement: { kind: 'warehouses' as const, allocations } } };
  });
}

/** Product-level stock and warehouse rows of the chunk, each only where it is newer than what is stored. */
async function writeStock(tx: Transaction, ctx: BatchContext, chunk: { rowIndex: number; payload: StockRow }[]) {
  const seqOf = (rowIndex: number) => (ctx.acceptedSeq * 10000n + BigInt(rowIndex)).toString();
  const ok = await onCurrentWarehouses(tx, ctx, chunk);
  const productLevel = ok.flatMap((r) => (r.payload.placement.kind === 'product'
    ? [{ product: r.payload.productId, stock: r.payload.placement.stock, seq: seqOf(r.rowIndex) }] : []));
  if (productLevel.length > 0) {
    // The product's stock row (migration 0075); a deleted product's row went with it.
    await tx`
      update product_stock p set stock = u.stock, stock_seq = u.seq
      from (select distinct on (product) * from unnest(${productLevel.map((r) => r.product)}::uuid[], ${productLevel.map((r) => r.stock)}::int[],
              ${productLevel.map((r) => r.seq)}::bigint[]) as u (product, stock, seq) order by product, seq desc) u
      where p.store_id = ${ctx.storeId} and p.product_id = u.product and p.stock_seq < u.seq`;
  }
  const product: string[] = [];
  const variant: (string | null)[] = [];
  const warehouse: string[] = [];
  const stock: number[] = [];
  const seq: string[] = [];
  for (const r of ok) {
    if (r.payload.placement.kind !== 'warehouses') continue;
    for (const a of r.payload.placement.allocations) {
      product.push(r.payload.productId); variant.push(r.payload.variantId); warehouse.push(a.warehouseId); stock.push(a.stock); seq.push(seqOf(r.rowIndex));
    }
  }
  if (product.length > 0) {
    await tx`
      insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
      select distinct on (a.product_id, a.variant_id, a.warehouse_id) ${ctx.storeId}::uuid, a.product_id, a.variant_id, a.warehouse_id, a.stock, a.seq
      from unnest(${product}::uuid[], ${variant}::uuid[], ${warehouse}::uuid[], ${stock}::int[], ${seq}::bigint[])
        as a (product_id, variant_id, warehouse_id, stock, seq)
      order by a.product_id, a.variant_id, a.warehouse_id, a.seq desc
      on conflict (store_id, product_id, variant_id, warehouse_id)
      do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now()
      where warehouse_stock.stock_seq < excluded.stock_seq`;
  }
}

registerBatchKind('inventory', { process: processStockRows, completedEvent: 'stock.update.completed' });
