import type { Transaction } from '../db/database.js';
import { AppError, rowError } from '../errors/app-error.js';
import { recordAudit, type RequestOrigin } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { acceptBatch, type RowError } from '../batches/batch-store.js';
import { registerBatchKind, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { afterProductsChanged } from './after-products-changed.js';
import { checkRowCount, type Principal } from './product-rows.js';
import { uuidKey, UUID } from '../db/key-lookup.js';
import { deleteByIds, rowsByIds } from '../db/rows-by-key.js';


/**
 * Accepts POST /products/deletions. Deletion is a hard delete (the product, its
 * variants and stock rows go; the audit log keeps who deleted what, and
 * webhooks say product.deleted): a deleted product's sku and externalId can be
 * used again at once, as a partner re-importing a catalog expects.
 */
export async function acceptDeletionRows(tx: Transaction, who: Principal, origin: RequestOrigin, ids: unknown[]) {
  checkRowCount(ids.length);
  const errors: RowError[] = [];
  const seen = new Set<string>();
  // The id as the database writes it, and as it was sent: a row that fails names the id it was sent
  // with, as a price or stock row does (an upper-case id came back lower-cased: QA).
  const candidates: { rowIndex: number; id: string; sent: string }[] = [];
  const notUuids: Record<number, string> = {};
  ids.forEach((id, rowIndex) => {
    if (typeof id !== 'string' || !UUID.test(id)) {
      notUuids[rowIndex] = 'each value in ids must be a UUID';
      errors.push(rowError('VAL_001', { rowIndex, ...(typeof id === 'string' ? { id } : {}) }, { context: { validationErrors: { id: notUuids[rowIndex] } } }) as RowError);
    } else if (seen.has(uuidKey(id))) errors.push(rowError('PRD_004', { rowIndex, id }, { context: { field: 'id' } }) as RowError);
    else { seen.add(uuidKey(id)); candidates.push({ rowIndex, id: uuidKey(id), sent: id }); }
  });
  // Nothing usable at all: the whole body is VAL_001, as on every bulk endpoint (seed 000).
  if (ids.length > 0 && Object.keys(notUuids).length === ids.length) throw new AppError('VAL_001', { validationErrors: { ids: notUuids } });
  // Id by id (rows-by-key.ts): an `id = any(…)` read the whole store on a marketplace's statistics.
  const existing = await tx<{ id: string; external_id: string | null; sku: string | null }[]>`
    ${rowsByIds(tx, { table: 'products', storeId: who.storeId, ids: candidates.map((c) => c.id) }, 'x.id, x.external_id, x.sku')}`;
  const byId = new Map(existing.map((e) => [e.id, e]));
  const accepted: { rowIndex: number; payload: unknown }[] = [];
  const acceptedRows: Record<string, unknown>[] = [];
  for (const c of candidates) {
    const p = byId.get(c.id);
    if (!p) { errors.push(rowError('PRD_001', { rowIndex: c.rowIndex, id: c.sent }, { context: { reason: 'Product ID not found' } }) as RowError); continue; }
    accepted.push({ rowIndex: c.rowIndex, payload: { id: p.id, ...(c.sent !== p.id ? { sent: c.sent } : {}) } });
    acceptedRows.push({ rowIndex: c.rowIndex, id: p.id, ...(p.external_id != null ? { externalId: p.external_id } : {}), ...(p.sku ? { sku: p.sku } : {}) });
  }
  errors.sort((a, b) => a.rowIndex - b.rowIndex);
  const { batchId } = await acceptBatch(tx, { storeId: who.storeId, partnerId: who.partnerId, kind: 'products.deletions', ...origin, total: ids.length, accepted, rejected: errors });
  return { batchId, summary: { total: ids.length, failed: errors.length, pending: accepted.length }, acceptedRows, errors };
}

async function processDeletionRows(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: { id: string; sent?: string } }[]): Promise<RowOutcome[]> {
  const deleted = await deleteByIds<{ id: string; external_id: string | null; sku: string | null; name: string }>(tx,
    { table: 'products', storeId: ctx.storeId, ids: rows.map((r) => r.payload.id) }, 'id, external_id, sku, name');
  await recordAudit(tx, deleted.map((d) => ({
    storeId: ctx.storeId, actorType: 'partner' as const, actor: ctx.partnerClientId, action: 'product.deleted', resourceType: 'product',
    resourceId: d.id, requestId: ctx.requestId, ipAddress: ctx.ip, changes: { before: { externalId: d.external_id, sku: d.sku, name: d.name }, batchId: ctx.batchId },
  })));
  await emitEvents(tx, deleted.map((d) => ({
    partnerId: ctx.partnerId, storeId: ctx.storeId, type: 'product.deleted', payload: { id: d.id, externalId: d.external_id, sku: d.sku, batchId: ctx.batchId },
  })));
  await afterProductsChanged(tx, ctx.storeId, deleted.map((d) => d.id));
  const gone = new Set(deleted.map((d) => d.id));
  return rows.map((r) => (gone.has(r.payload.id)
    ? { rowIndex: r.rowIndex, status: 'SUCCEEDED', result: { id: r.payload.id } }
    // Named by its id as sent, as a row refused at once is (details.id).
    : { rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_001', details: { id: r.payload.sent ?? r.payload.id, context: { reason: 'Already deleted' } } }));
}

registerBatchKind('products.deletions', { process: processDeletionRows });
