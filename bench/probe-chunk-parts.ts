/**
 * Where a catalog chunk's time goes in PostgreSQL: a 1,000-product chunk of the bench's products
 * stored as a batch body, then in one transaction (as the worker does) the create statement, the
 * audit event, the quality rules and the outcomes' update, each timed. Medians of CHUNKS chunks
 * (default 20) in one growing store. Run: node bin/run-ts.js bench/probe-chunk-parts.ts.
 */
import { randomUUID } from 'node:crypto';
import { createProducts } from '../src/catalog/product-inserts.js';
import { arrayRange, storedBody } from '../src/batches/payload-codec.js';
import { recordBulkCreations } from '../src/audit/audit-log.js';
import { afterProductsChanged } from '../src/catalog/after-products-changed.js';
import { recordOutcomes } from '../src/batches/process-batch.js';
import { generateProducts } from './scenarios/catalog-import.js';
import { openProbeStore } from './lib/probe-database.js';

const CHUNKS = Number(process.env.CHUNKS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const probe = await openProbeStore(3);
const { sql, partner, storeId } = probe;
try {
  const [{ id: partnerId }] = await sql`select id from partners where client_id = ${partner.partnerClientId}`;
  const whs = await sql<{ id: string; client_id: string }[]>`select id, client_id from warehouses where store_id = ${storeId} order by client_id`;
  const t: Record<string, number[]> = { store: [], create: [], audit: [], quality: [], outcomes: [], commit: [] };
  for (let n = 0; n < CHUNKS + 2; n++) {
    const rows = generateProducts(1000, whs.map((w) => w.client_id), `p${n}`);
    const creates = rows.map((r, i) => ({ rowIndex: i, mode: 'create' as const, input: {},
      placement: r.warehouses ? { kind: 'warehouses' as const, allocations: (r.warehouses as any[]).map((a) => ({ warehouseId: whs.find((w) => w.client_id === a.clientId)!.id, stock: a.stock })) }
        : { kind: 'product' as const, stock: r.stock as number } }));
    const body = Buffer.from(JSON.stringify({ products: rows }));
    const batchId = `pb_${randomUUID()}`;
    const lap: Record<string, number> = {};
    let s = performance.now();
    const mark = (k: string) => { const now = performance.now(); lap[k] = now - s; s = now; };
    await sql`insert into batches (store_id, id, kind, partner_id, request_id, total, pending, accepted_seq, body)
      values (${storeId}, ${batchId}, 'catalog.sync', ${partnerId}, ${randomUUID()}, 1000, 1000, 1, ${body})`;
    mark('store');
    const header = { field: 'products', omit: [], wellTyped: true, array: arrayRange(body, 'products'), warehouses: [] };
    await sql.begin(async (tx) => {
      await tx`set local synchronous_commit = off`;
      const out = await createProducts(tx, storeId, creates as any, { body: storedBody(storeId, batchId, header) });
      mark('create');
      const ids = [...out.values()].map((o) => o.id!);
      await recordBulkCreations(tx, { storeId, actor: partner.partnerClientId, requestId: randomUUID(), ipAddress: null, batchId }, ids);
      mark('audit');
      await afterProductsChanged(tx, storeId, ids);
      mark('quality');
      await recordOutcomes(tx, storeId, batchId, [...out.values()].map((o) => ({ rowIndex: o.rowIndex, status: 'SUCCEEDED' as const,
        result: { id: o.id, externalId: o.externalId ?? undefined, sku: o.sku ?? undefined, action: 'created' } })));
      mark('outcomes');
    });
    mark('commit');
    if (n >= 2) for (const k of Object.keys(t)) t[k].push(lap[k]);
    if (n === 1) await sql`analyze`;
  }
  for (const [k, v] of Object.entries(t)) console.log(k.padEnd(9), median(v).toFixed(2), 'ms');
} finally {
  await probe.close();
}
