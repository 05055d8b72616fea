import type { Queryable, Transaction } from '../db/database.js';
import { registerBatchKind, type ChunkState } from '../batches/processors.js';
import { recordOutcomes } from '../batches/process-batch.js';
import { bisectingRefusedRows, refusedRowFailure } from '../batches/row-isolation.js';
import { decodeStockRow, stockEntries, type StockEntries, type StockRow, type StoredStockRow } from './stock-payload.js';

/**
 * Stock batches are applied by PostgreSQL (apply_stock_chunk, migration 0082): the
 * accepted rows are stored as arrays beside their batch, and each chunk is one call
 * that writes the stock, the row outcomes, the counts and the audit event. Every write
 * carries its acceptance sequence (batch sequence, then row index) and only replaces a
 * value written by an earlier-accepted request: whichever worker runs which batch when,
 * the last accepted value for a SKU wins.
 *
 * A product or variant deleted since acceptance fails its row instead of the chunk, with
 * the code of the identifier the row was sent with (0084): the chunk is first written as if
 * all were alive, in a savepoint; a deleted target's rows are gone with it (cascade), so
 * its write is an INSERT, which the stock triggers refuse with a foreign key violation
 * (0061, 0069). Only then is the chunk looked up and written again without the dead.
 * Product-level stock (a store without warehouses) is an UPDATE that would skip a deleted
 * product silently, so a chunk holding any is looked up first.
 */

/** Stores the accepted rows of a stock batch where PostgreSQL applies them from (before the batch row: the reference is deferred). */
export async function storeStockRows(sql: Queryable, storeId: string, batchId: string, e: StockEntries) {
  await sql`
    insert into batch_stock_rows (store_id, batch_id, row_index, product_id, variant_id, warehouse_id, stock, sku_rows, external_id_rows)
    values (${storeId}, ${batchId}, ${e.rowIndex}::int[], ${e.productId}::uuid[], ${e.variantId}::uuid[], ${e.warehouseId}::uuid[], ${e.stock}::int[],
      ${e.skuRows}::int[], ${e.externalIdRows}::int[])`;
}

async function applyStockChunk(tx: Transaction, storeId: string, batchId: string, chunkSize: number): Promise<ChunkState> {
  const [chunk] = await tx<{ applied: boolean; remaining: number; failed_rows: number[]; failed_codes: ('INV_001' | 'INV_002' | 'INV_003')[] }[]>`
    select applied, remaining, failed_rows, failed_codes from apply_stock_chunk(${storeId}, ${batchId}, ${chunkSize})`;
  if (chunk.failed_rows.length > 0) {
    await recordOutcomes(tx, storeId, batchId, chunk.failed_rows.map((rowIndex, i) => ({
      rowIndex, status: 'FAILED', code: chunk.failed_codes[i], details: { context: { reason: 'Deleted before the update was applied' } },
    })));
  }
  return !chunk.applied ? 'none' : chunk.remaining > 0 ? 'more' : 'last';
}

/**
 * A chunk PostgreSQL refuses for what one of its rows holds (a product whose warehouse stocks
 * sum beyond an integer: SQLSTATE class 22 or 23) would fail on every attempt. Its rows are
 * applied again in halves, each in a savepoint (apply_stock_chunk takes the next rows without
 * an outcome, in order), down to the single rows refused alone, which fail (VAL_001 with the
 * reason); the others apply. The usual chunk costs one SAVEPOINT and its RELEASE more.
 */
async function applyStockChunkIsolating(tx: Transaction, storeId: string, batchId: string, chunkSize: number): Promise<ChunkState> {
  // The state of the last part applied, and whether a row was refused: the halves after a refused
  // row may find nothing left ('none'), though this chunk's transaction completes the batch.
  let last: ChunkState = 'none';
  let refused = false;
  await bisectingRefusedRows(tx, chunkSize, async (sp, _offset, count) => { last = await applyStockChunk(sp, storeId, batchId, count); return []; },
    async (_offset, err) => {
      // apply_stock_chunk takes the rows without an outcome in order: the refused row is the first of them.
      const [next] = await tx<{ row_index: number }[]>`
        select min(i) as row_index from batches b, unnest(b.accepted_rows) as i
        where b.store_id = ${storeId} and b.id = ${batchId}
          and i not in (select (o->>'rowIndex')::int from jsonb_array_elements(b.outcomes) o)`;
      await recordOutcomes(tx, storeId, batchId, [{ rowIndex: next.row_index, status: 'FAILED', ...refusedRowFailure(err) }]);
      refused = true;
      return [];
    });
  if (!refused) return last;
  const [{ pending }] = await tx<{ pending: number }[]>`select pending from batches where store_id = ${storeId} and id = ${batchId}`;
  return pending > 0 ? 'more' : 'last';
}

/** A batch accepted before 0082 keeps its rows in packed_rows (or payload): they move to batch_stock_rows. */
async function adoptPackedRows(tx: Transaction, storeId: string, batchId: string, rows: [number, unknown][]) {
  await storeStockRows(tx, storeId, batchId, stockEntries(rows.map(([rowIndex, stored]) => ({ rowIndex, row: decodeStockRow(stored as StoredStockRow | StockRow) }))));
  await tx`update batches set packed_rows = null, payload = null where store_id = ${storeId} and id = ${batchId}`;
}

registerBatchKind('inventory', { applyChunk: applyStockChunkIsolating, adoptPackedRows });
