import type { Transaction } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { atLockedRows, rowsByIds } from '../db/rows-by-key.js';
import { registerBatchKind, stockSeqBase, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { afterProductsChanged } from './after-products-changed.js';
import { PriceSequence, type PriceStep, type Prices } from './price-sequence.js';
import { madeSimpleSince } from './variant-field-order.js';
import { toCents } from './product-patch-plan.js';
import type { PriceRow } from './price-rows.js';

/**
 * Processing of PATCH /products/prices rows, three statements per chunk: the targets'
 * prices read and locked, then the products and the variants written. Rows for one
 * target apply in request order and each is checked on the prices before it
 * (price-sequence.ts), on the prices found now, not at accept time: another writer may
 * have changed them since. Locked, they cannot change again before the write. A product
 * that took variants since its row was accepted has no price of its own: the row fails
 * (PRD_040), as at accept time.
 */
async function processPriceRows(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: PriceRow }[]): Promise<RowOutcome[]> {
  const targetOf = (r: PriceRow) => r.variantId ?? r.productId;
  const ids = (kind: PriceRow['target']) => [...new Set(rows.filter((r) => r.payload.target === kind).map((r) => targetOf(r.payload)))];
  // The products of the variants priced, locked with the products priced (before their variants, as a
  // PATCH locks them): a variant's price that moves moves its product's version and updated_at.
  const parents = [...new Set(rows.filter((r) => r.payload.target === 'variant').map((r) => r.payload.productId))];
  // The batch's acceptance sequence: every other write's is below its first row's or above its
  // last (a batch's × 10,000 + rowIndex; a write applied now takes a new batch's).
  const seq = (stockSeqBase(ctx) + 9_999n).toString();
  // Locked in id order (rowsByIds: one probe of the primary key per id, whatever the statistics say of the store).
  // Which of the prices a later-accepted write set (0125's field_runs): this batch's rows leave them.
  const later = `field_runs_after(x.field_runs, ${seq}::bigint)`;
  // A product made simple again since the batch was accepted (0129: given variants, which cleared its
  // prices, then none): its rows fail as if it had variants still, rather than bring a price back.
  const madeSimple = madeSimpleSince('x', `${seq}::bigint`);
  const columns = (hasVariants: string) => `x.ctid::text as at, x.id, x.price::float8, x.special_price::float8, ${hasVariants} as has_variants,
    ${later} & product_field_mask('{price}') <> 0 as price_later, ${later} & product_field_mask('{special_price}') <> 0 as special_price_later`;
  const current = await tx<{ at: string; id: string; price: number | null; special_price: number | null; has_variants: boolean; price_later: boolean; special_price_later: boolean }[]>`
    with p as (${rowsByIds(tx, { table: 'products', storeId: ctx.storeId, ids: [...new Set([...ids('product'), ...parents])] }, columns(`x.has_variants or ${madeSimple}`), 'update')}),
      v as (${rowsByIds(tx, { table: 'product_variants', storeId: ctx.storeId, ids: ids('variant') }, columns('false'), 'update')})
    select * from p union all select * from v`;
  const stored = new Map<string, Prices>(current.map((c) => [c.id, { price: c.price, specialPrice: c.special_price }]));
  const withVariants = new Set(current.flatMap((c) => (c.has_variants ? [c.id] : [])));
  const setLater = new Map(current.map((c) => [c.id, c]));
  /** The row's change but the prices a later-accepted write set: it succeeds without them. */
  const unlessLater = (target: string, change: PriceRow) => {
    const c = setLater.get(target);
    return { price: c?.price_later ? undefined : change.price, specialPrice: c?.special_price_later ? undefined : change.specialPrice };
  };
  const sequence = new PriceSequence();
  const steps = rows.map((r): PriceStep | 'variants' | null => {
    if (withVariants.has(targetOf(r.payload))) return 'variants';
    const before = stored.get(targetOf(r.payload));
    return before ? sequence.apply(targetOf(r.payload), before, unlessLater(targetOf(r.payload), r.payload)) : null;
  });

  const locked = new Map(current.map((c) => [c.id, c.at]));
  // A target whose prices moved is written (and its version bumped); one whose rows only resent
  // its prices has them recorded as this batch's (field_runs), nothing else.
  const writes = (kind: PriceRow['target']) => ids(kind).flatMap((id) => (sequence.sent.has(id)
    ? [{ id, x: sequence.changes.get(id) ?? {}, sent: [...sequence.sent.get(id)!] }] : []));
  const set = (alias: string) => `
    price = case when r.x ? 'price' then (r.x->>'price')::numeric else ${alias}.price end,
    special_price = case when r.x ? 'specialPrice' then (r.x->>'specialPrice')::numeric else ${alias}.special_price end,
    updated_at = case when r.x = '{}' then ${alias}.updated_at else now() end,
    field_runs = field_runs_written(${alias}.field_runs, ${seq}::bigint, product_field_mask(r.sent))`;
  // The rows locked above, written by their ctids (atLockedRows): a join on `store_id = $1 and id`
  // hashed the whole store on a marketplace's statistics.
  const write = (kind: PriceRow['target'], sql: string) => {
    const rows = writes(kind);
    return rows.length === 0 ? [] : tx.unsafe(sql, [rows as any, rows.map((r) => locked.get(r.id)!)]);
  };
  // Independent statements: postgres.js pipelines them on the transaction's connection.
  await Promise.all([
    write('product', `
      update products p set ${set('p')}, version = p.version + case when r.x = '{}' then 0 else 1 end from jsonb_to_recordset($1::jsonb) as r(id uuid, x jsonb, sent text[])
      where ${atLockedRows('p', '$2')} and p.id = r.id`),
    write('variant', `
      update product_variants v set ${set('v')} from jsonb_to_recordset($1::jsonb) as r(id uuid, x jsonb, sent text[])
      where ${atLockedRows('v', '$2')} and v.id = r.id`),
  ]);

  const repriced = [...new Set(rows.filter((r) => r.payload.variantId && sequence.changes.has(r.payload.variantId)).map((r) => r.payload.productId))];
  if (repriced.length > 0) {
    await tx.unsafe(`update products p set version = p.version + 1, updated_at = now() where ${atLockedRows('p', '$1')}`,
      [repriced.flatMap((id) => (locked.has(id) ? [locked.get(id)!] : [])) as any]);
  }

  // The rows that changed a price (one sending the prices already there succeeds, and says nothing).
  const changedBy = new Map(rows.flatMap((r, k) => { const step = steps[k]; return step !== null && step !== 'variants' && step.ok && step.changed.length > 0 ? [[r, step] as const] : []; }));
  const applied = [...changedBy.keys()];
  await recordAudit(tx, applied.map((r) => ({
    storeId: ctx.storeId, actorType: 'partner' as const, actor: ctx.partnerClientId, action: r.payload.variantId ? 'variant.updated' : 'product.updated',
    resourceType: r.payload.target, resourceId: targetOf(r.payload), requestId: ctx.requestId, ipAddress: ctx.ip,
    changes: { ...priceChanges(changedBy.get(r)!), ...(r.payload.variantId ? { productId: r.payload.productId } : {}), batchId: ctx.batchId },
  })));
  await emitEvents(tx, applied.map((r) => ({
    partnerId: ctx.partnerId, storeId: ctx.storeId, type: 'product.updated',
    payload: { id: r.payload.productId, variantId: r.payload.variantId, updatedFields: changedBy.get(r)!.changed, batchId: ctx.batchId },
  })));
  await afterProductsChanged(tx, ctx.storeId, [...new Set(applied.map((r) => r.payload.productId))]);
  return rows.map((r, k): RowOutcome => {
    const step = steps[k];
    // Named by the identifier it was sent with, as a row refused at once is (details.sku or details.id).
    const sent = r.payload.sent ?? {};
    if (!step) return { rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_001', details: { ...sent, context: { reason: 'Deleted before the update was applied' } } };
    // Given variants since, whether it still has them or was made simple again (0129).
    if (step === 'variants') return { rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_040', details: { ...sent, context: { reason: 'The product took variants after the update was accepted' } } };
    if (!step.ok) return { rowIndex: r.rowIndex, status: 'FAILED', code: step.code, details: { ...sent, context: step.context } };
    return { rowIndex: r.rowIndex, status: 'SUCCEEDED', result: { target: r.payload.target, id: targetOf(r.payload) } };
  });
}

/**
 * A row's audit changes, as every update's are ({ field: { before, after } }): the prices it moved,
 * as numeric(15, 2) stored them. It recorded the values sent (1234.567 for a price stored 1234.57,
 * and a price a later-accepted write had set, which the row left, as if it had been set: QA).
 */
function priceChanges(step: Extract<PriceStep, { ok: true }>) {
  const stored = (v: number | null) => (v === null ? null : toCents(v));
  return Object.fromEntries(step.changed.map((field) => [field, { before: stored(step.before[field]), after: stored(step.after[field]) }]));
}

registerBatchKind('products.prices', { process: processPriceRows });
