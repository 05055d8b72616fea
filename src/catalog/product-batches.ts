import type { Transaction } from '../db/database.js';
import { recordAudit, recordBulkCreations } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { registerBatchKind, stockSeqBase, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { afterProductsChanged } from './after-products-changed.js';
import { decodePlan } from './product-plan.js';
import { writeProducts, type ProductWriteRow } from './product-writer.js';

/**
 * Processing of catalog sync and products/bulk rows: one set-based write per
 * chunk, then the audit events, outbox events and derived data for the
 * products it touched, all in the chunk's transaction.
 */
async function processProductRows(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: any }[]): Promise<RowOutcome[]> {
  // Rows accepted from a stored body carry their plan alone: a new product's fields and keys are
  // read from the body by PostgreSQL when every row of it passed the schema (product-writer.ts);
  // any other row's input is read from the body here.
  const body = ctx.body;
  const plans = rows.map(({ rowIndex, payload }) => ({ rowIndex, plan: decodePlan(payload, body?.warehouses ?? []) }));
  const fromBody = body !== null && body.wellTyped;
  const readByPostgres = (p: { mode: string; input?: unknown }) => fromBody && p.mode === 'create' && !p.input;
  if (body && plans.some(({ plan }) => !plan.input && !readByPostgres(plan))) await body.load(tx);
  // An update names its product by id and externalId (accept checked both): a product renamed since fails, as at accept.
  // Each row is built field by field: object rest and spread (`{ ...plan }`) cost ~3 µs a row
  // here, ~0.3 s of the worker's CPU over a 100,000-product import (docs/performance.md).
  const writeRows = plans.map(({ rowIndex, plan }): ProductWriteRow => ({
    rowIndex, mode: plan.mode, id: plan.id, placement: plan.placement, renames: plan.renames,
    input: plan.input ?? (readByPostgres(plan) ? {} : body!.input(rowIndex)), matchExternalId: true,
  }));
  const outcomes = await writeProducts(tx, ctx.storeId, writeRows, { stockSeq: stockSeqBase(ctx), ...(fromBody ? { body: body! } : {}) });
  const modeOf = new Map(writeRows.map((r) => [r.rowIndex, r.mode]));
  const done = outcomes.filter((o) => o.ok);
  const created = done.filter((o) => modeOf.get(o.rowIndex) === 'create');
  const updated = done.filter((o) => modeOf.get(o.rowIndex) === 'update');
  // An update row that found every value already there succeeds and says nothing: no audit event,
  // no product.updated (it sent one with updatedFields [], where a PATCH changing nothing sends none).
  const changed = updated.filter((o) => Object.keys(o.changes ?? {}).length > 0);
  const told = new Set([...created, ...changed]);
  await recordBulkCreations(tx, { storeId: ctx.storeId, actor: ctx.partnerClientId, requestId: ctx.requestId, ipAddress: ctx.ip, batchId: ctx.batchId },
    created.map((o) => o.id!));
  await recordAudit(tx, changed.map((o) => ({
    storeId: ctx.storeId, actorType: 'partner' as const, actor: ctx.partnerClientId, action: 'product.updated',
    resourceType: 'product', resourceId: o.id!, requestId: ctx.requestId, ipAddress: ctx.ip, changes: { ...o.changes, batchId: ctx.batchId },
  })));
  await emitEvents(tx, {
    partnerId: ctx.partnerId, types: ['product.created', 'product.updated'],
    build: () => done.filter((o) => told.has(o)).map((o) => ({
      partnerId: ctx.partnerId, storeId: ctx.storeId, type: modeOf.get(o.rowIndex) === 'create' ? 'product.created' : 'product.updated',
      payload: {
        id: o.id, externalId: o.externalId ?? undefined, sku: o.sku ?? undefined, batchId: ctx.batchId,
        ...(modeOf.get(o.rowIndex) === 'update' ? { updatedFields: Object.keys(o.changes ?? {}) } : {}),
      },
    })),
  });
  await afterProductsChanged(tx, ctx.storeId, created.map((o) => o.id!), { created: true });
  await afterProductsChanged(tx, ctx.storeId, changed.map((o) => o.id!));
  return outcomes.map((o) => {
    const [externalId, sku] = [o.externalId ?? undefined, o.sku ?? undefined];
    return o.ok
      ? { rowIndex: o.rowIndex, status: 'SUCCEEDED', result: { id: o.id, externalId, sku, action: modeOf.get(o.rowIndex) === 'create' ? 'created' : 'updated' } }
      : { rowIndex: o.rowIndex, status: 'FAILED', code: o.code, details: { externalId, sku, retryable: false, ...(o.context ? { context: o.context } : {}) } };
  });
}

registerBatchKind('catalog.sync', { process: processProductRows });
registerBatchKind('products.bulk', { process: processProductRows });
