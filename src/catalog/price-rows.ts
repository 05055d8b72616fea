import { Type, type Static } from '@sinclair/typebox';
import type { Transaction } from '../db/database.js';
import { rowError } from '../errors/app-error.js';
import { bodyAjv } from '../http/validation/ajv.js';
import { toValidationTree } from '../http/validation/validation-errors.js';
import { recordAudit } from '../audit/audit-log.js';
import { emitEvents } from '../webhooks/outbox.js';
import { acceptBatch, type RowError } from '../batches/batch-store.js';
import { registerBatchKind, type BatchContext, type RowOutcome } from '../batches/processors.js';
import { afterProductsChanged } from './after-products-changed.js';
import { checkRowCount, type Principal } from './product-rows.js';
import { productFieldSchemas, Uuid } from './product-schema.js';
import { unseenStore, uuidKey } from '../db/key-lookup.js';

/** One price change: by sku (a simple product or a variant) or by id (simple products only). */
export const PriceItem = Type.Object({
  sku: Type.Optional(productFieldSchemas.sku),
  id: Type.Optional(Uuid),
  price: Type.Optional(productFieldSchemas.price),
  specialPrice: Type.Optional(productFieldSchemas.specialPrice),
}, { additionalProperties: false });
type PriceItem = Static<typeof PriceItem>;
const validate = bodyAjv.compile(PriceItem);

/** Accepts PATCH /products/prices: rows resolved and checked against current prices with one query. */
export async function acceptPriceRows(tx: Transaction, who: Principal, requestId: string, items: unknown[]) {
  checkRowCount(items.length);
  const errors: RowError[] = [];
  const valid: { rowIndex: number; item: PriceItem; by: 'sku' | 'id' }[] = [];
  items.forEach((raw, rowIndex) => {
    if (!validate(raw)) { errors.push(rowError('VAL_001', { rowIndex }, { validationErrors: toValidationTree(validate.errors ?? []) }) as RowError); return; }
    const item = raw as PriceItem;
    const by = (['sku', 'id'] as const).filter((k) => item[k] !== undefined);
    if (by.length !== 1) { errors.push(rowError('INV_004', { rowIndex }, { context: { given: by } }) as RowError); return; }
    if (item.price === undefined && item.specialPrice === undefined) { errors.push(rowError('PRD_041', { rowIndex, [by[0]]: item[by[0]] }) as RowError); return; }
    valid.push({ rowIndex, item, by: by[0] });
  });
  const targets = await tx<{ by: string; key: string; target: string; product_id: string; variant_id: string | null; sku: string | null; has_variants: boolean; price: string | null; special_price: string | null }[]>`
    select 'sku' as by, sku as key, 'product' as target, id as product_id, null::uuid as variant_id, sku, has_variants, price, special_price
      from products where store_id = ${unseenStore(tx, who.storeId)} and sku = any(${valid.flatMap((v) => (v.by === 'sku' ? [v.item.sku!] : []))})
    union all select 'sku', sku, 'variant', product_id, id, sku, false, price, special_price
      from product_variants where store_id = ${unseenStore(tx, who.storeId)} and sku = any(${valid.flatMap((v) => (v.by === 'sku' ? [v.item.sku!] : []))})
    union all select 'id', id::text, 'product', id, null, sku, has_variants, price, special_price
      from products where store_id = ${unseenStore(tx, who.storeId)} and id = any(${valid.flatMap((v) => (v.by === 'id' ? [v.item.id!] : []))}::uuid[])`;
  const found = new Map(targets.map((t) => [`${t.by}:${t.key}`, t]));
  const accepted: { rowIndex: number; payload: unknown }[] = [];
  const acceptedRows: Record<string, unknown>[] = [];
  for (const { rowIndex, item, by } of valid) {
    const ident = { [by]: item[by] };
    const t = found.get(`${by}:${by === 'id' ? uuidKey(item.id!) : item.sku}`);
    if (!t) { errors.push(rowError(by === 'sku' ? 'INV_001' : 'PRD_001', { rowIndex, ...ident }) as RowError); continue; }
    if (t.target === 'product' && t.has_variants) { errors.push(rowError('PRD_040', { rowIndex, ...ident }) as RowError); continue; }
    const price = item.price ?? (t.price === null ? null : Number(t.price));
    const special = item.specialPrice !== undefined ? item.specialPrice : t.special_price === null ? null : Number(t.special_price);
    if (special !== null && price !== null && special >= price) {
      errors.push(rowError('PRD_008', { rowIndex, ...ident }, { context: { price, specialPrice: special } }) as RowError);
      continue;
    }
    accepted.push({ rowIndex, payload: { target: t.target, productId: t.product_id, variantId: t.variant_id, price: item.price, specialPrice: item.specialPrice } });
    acceptedRows.push({ rowIndex, target: t.target, id: t.variant_id ?? t.product_id, ...(t.sku ? { sku: t.sku } : {}) });
  }
  errors.sort((a, b) => a.rowIndex - b.rowIndex);
  const { batchId } = await acceptBatch(tx, { storeId: who.storeId, partnerId: who.partnerId, kind: 'products.prices', requestId, total: items.length, accepted, rejected: errors });
  return { batchId, summary: { total: items.length, failed: errors.length, pending: accepted.length }, acceptedRows, errors };
}

interface PriceRow { target: 'product' | 'variant'; productId: string; variantId: string | null; price?: number; specialPrice?: number | null }

/** Two statements per chunk (products, variants); a later row for the same target wins. */
async function processPriceRows(tx: Transaction, ctx: BatchContext, rows: { rowIndex: number; payload: PriceRow }[]): Promise<RowOutcome[]> {
  const data = rows.map((r) => ({ i: r.rowIndex, pid: r.payload.productId, vid: r.payload.variantId, x: r.payload }));
  const set = (alias: string) => `
    price = case when r.x ? 'price' then (r.x->>'price')::numeric else ${alias}.price end,
    special_price = case when r.x ? 'specialPrice' then (r.x->>'specialPrice')::numeric else ${alias}.special_price end, updated_at = now()`;
  const products = await tx.unsafe<{ id: string }[]>(`
    update products p set ${set('p')}, version = p.version + 1
    from (select distinct on (pid) * from jsonb_to_recordset($2::jsonb) as r(i int, pid uuid, vid uuid, x jsonb) where vid is null order by pid, i desc) r
    where p.store_id = $1::uuid and p.id = r.pid returning p.id`, [ctx.storeId, data as any]);
  const variants = await tx.unsafe<{ id: string; product_id: string }[]>(`
    update product_variants v set ${set('v')}
    from (select distinct on (vid) * from jsonb_to_recordset($2::jsonb) as r(i int, pid uuid, vid uuid, x jsonb) where vid is not null order by vid, i desc) r
    where v.store_id = $1::uuid and v.id = r.vid returning v.id, v.product_id`, [ctx.storeId, data as any]);
  const done = new Set([...products.map((p) => p.id), ...variants.map((v) => v.id)]);
  const applied = rows.filter((r) => done.has(r.payload.variantId ?? r.payload.productId));
  const fields = (r: PriceRow) => [...(r.price !== undefined ? ['price'] : []), ...(r.specialPrice !== undefined ? ['specialPrice'] : [])];
  await recordAudit(tx, applied.map((r) => ({
    storeId: ctx.storeId, actorType: 'partner' as const, actor: ctx.partnerClientId, action: r.payload.variantId ? 'variant.updated' : 'product.updated',
    resourceType: r.payload.target, resourceId: r.payload.variantId ?? r.payload.productId, requestId: ctx.requestId,
    changes: { price: r.payload.price, specialPrice: r.payload.specialPrice, batchId: ctx.batchId },
  })));
  await emitEvents(tx, applied.map((r) => ({
    partnerId: ctx.partnerId, storeId: ctx.storeId, type: 'product.updated',
    payload: { id: r.payload.productId, variantId: r.payload.variantId, updatedFields: fields(r.payload), batchId: ctx.batchId },
  })));
  await afterProductsChanged(tx, ctx.storeId, [...new Set(applied.map((r) => r.payload.productId))]);
  return rows.map((r) => (done.has(r.payload.variantId ?? r.payload.productId)
    ? { rowIndex: r.rowIndex, status: 'SUCCEEDED', result: { target: r.payload.target, id: r.payload.variantId ?? r.payload.productId } }
    : { rowIndex: r.rowIndex, status: 'FAILED', code: 'PRD_001', details: { context: { reason: 'Deleted before the update was applied' } } }));
}

registerBatchKind('products.prices', { process: processPriceRows, completedEvent: 'prices.update.completed' });
