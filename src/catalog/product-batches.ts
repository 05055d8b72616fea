import type { Transaction } from '../db/database.js';
import { recordAudit, recordCreations } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { registerBatchKind, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { afterProductsChanged } from './after-products-changed.js';
import { writeProducts, type ProductWriteRow } from './product-writer.js';

/**
 * Processing of catalog sync and products/bulk rows: one set-based write per
 * chunk, then the audit events, outbox events and derived data for the
 * products it touched, all in the chunk's transaction.
 */
async function processProductRows(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: any }[]): Promise<RowOutcome[]> {
  // Rows accepted from a stored body carry no input: their keys come with the row, and a new
  // product's fields are read from the body by PostgreSQL when every row of it passed the schema
  // (product-writer.ts); an update's input is read from the body here.
  const body = ctx.body;
  const fromBody = body !== null && body.wellTyped && rows.every((r) => r.payload.externalId !== undefined);
  if (body && rows.some((r) => !r.payload.input && !(fromBody && r.payload.mode === 'create'))) await body.load(tx);
  const writeRows: ProductWriteRow[] = rows.map(({ rowIndex, payload: { externalId, sku, input, ...plan } }) => ({
    rowIndex, ...plan,
    input: input ?? (fromBody && plan.mode === 'create' ? { externalId, sku } : body!.input(rowIndex)),
  }));
  const outcomes = await writeProducts(tx, ctx.storeId, writeRows, fromBody ? { body: body! } : {});
  const byIndex = new Map(writeRows.map((r) => [r.rowIndex, r]));
  const done = outcomes.filter((o) => o.ok).map((o) => ({ o, row: byIndex.get(o.rowIndex)! }));
  const action = (row: ProductWriteRow) => (row.mode === 'create' ? 'product.created' : 'product.updated');
  await recordCreations(tx, { storeId: ctx.storeId, actor: ctx.partnerClientId, requestId: ctx.requestId, batchId: ctx.batchId },
    done.filter(({ row }) => row.mode === 'create').map(({ o, row }) => ({ id: o.id!, externalId: row.input.externalId ?? null, sku: row.input.sku ?? null })));
  await recordAudit(tx, done.filter(({ row }) => row.mode === 'update').map(({ o }) => ({
    storeId: ctx.storeId, actorType: 'partner' as const, actor: ctx.partnerClientId, action: 'product.updated',
    resourceType: 'product', resourceId: o.id!, requestId: ctx.requestId, changes: { ...o.changes, batchId: ctx.batchId },
  })));
  await emitEvents(tx, done.map(({ o, row }) => ({
    partnerId: ctx.partnerId, storeId: ctx.storeId, type: action(row),
    payload: {
      id: o.id, externalId: row.input.externalId, sku: row.input.sku, batchId: ctx.batchId,
      ...(row.mode === 'update' ? { updatedFields: Object.keys(o.changes ?? {}) } : {}),
    },
  })));
  await afterProductsChanged(tx, ctx.storeId, done.map(({ o }) => o.id!));
  return outcomes.map((o) => {
    const row = byIndex.get(o.rowIndex)!;
    const ids = { externalId: row.input.externalId, sku: row.input.sku };
    return o.ok
      ? { rowIndex: o.rowIndex, status: 'SUCCEEDED', result: { id: o.id, ...ids, action: row.mode === 'create' ? 'created' : 'updated' } }
      : { rowIndex: o.rowIndex, status: 'FAILED', code: o.code, details: { ...ids, retryable: false } };
  });
}

registerBatchKind('catalog.sync', { process: processProductRows, completedEvent: 'catalog.sync.completed' });
registerBatchKind('products.bulk', { process: processProductRows, completedEvent: 'products.bulk.completed' });
