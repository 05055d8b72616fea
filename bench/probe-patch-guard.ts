/**
 * The cost of 0086's stock guard in apply_product_patch (a PATCH that sends stock writes only
 * if the stock is still what it read: the product and its stock rows locked and compared
 * before the update), against the same call without it (p_stock_read null), alternating, one
 * statement a call as the API sends it: a new name and a stock on each of the store's 3
 * warehouses, for one of 2,000 products. Prints the medians and means of the round trips.
 * Run: node bin/run-ts.js bench/probe-patch-guard.ts (DATABASE_URL: a database to migrate;
 * without it, an embedded PostgreSQL). CALLS=<n> a side (default 4,000).
 */
import { openProbeStore } from './lib/probe-database.js';

const CALLS = Number(process.env.CALLS ?? 4000);
const PRODUCTS = 2000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const probe = await openProbeStore(3);
const { sql, partner, storeId } = probe;
try {
  const ids = (await sql<{ id: string }[]>`
    insert into products (store_id, external_id, name) select ${storeId}, 'p-' || g, 'P' from generate_series(1, ${PRODUCTS}) g returning id`).map((r) => r.id);
  await sql`insert into warehouse_stock (store_id, product_id, warehouse_id, stock)
    select ${storeId}, p, w.id, 1 from unnest(${ids}::uuid[]) p, warehouses w where w.store_id = ${storeId}`;
  await sql`vacuum analyze products, warehouse_stock, product_stock`;
  const audit = { actor_type: 'partner', actor: 'probe', action: 'product.updated', changes: {}, request_id: null };
  const event = { partner_id: partner.partnerId, type: 'product.updated', payload: {} };
  // The version and the stock as the PATCH read them, read in the same statement here.
  const call = (n: number, guard: boolean) => sql`
    select apply_product_patch(p.store_id, p.id, p.version, jsonb_build_object('name', 'N ' || ${n}::int), null::int,
      (select jsonb_agg(jsonb_build_object('warehouse_id', w.id, 'stock', ${n % 100}::int)) from warehouses w where w.store_id = p.store_id),
      ${sql.json(audit)}::jsonb, ${sql.json(event)}::jsonb, false,
      case when ${guard}::boolean then (select coalesce(jsonb_object_agg(ws.warehouse_id, ws.stock), '{}') from warehouse_stock ws
        where ws.store_id = p.store_id and ws.product_id = p.id and ws.variant_id is null) end) as version
    from products p where p.store_id = ${storeId} and p.id = ${ids[n % PRODUCTS]}`;
  for (let n = 0; n < 500; n++) await call(n, n % 2 === 0);
  const times = { with: [] as number[], without: [] as number[] };
  for (let n = 0; n < 2 * CALLS; n++) {
    const guard = n % 4 === 0 || n % 4 === 3;
    const t = performance.now();
    const [r] = await call(n, guard);
    times[guard ? 'with' : 'without'].push(performance.now() - t);
    if (r.version === null) throw new Error('the guard refused a call: nothing else writes here');
  }
  const show = (xs: number[]) => `median ${median(xs).toFixed(3)} ms, mean ${mean(xs).toFixed(3)} ms`;
  console.log(`apply_product_patch, ${CALLS} calls a side: with the stock guard ${show(times.with)}; without ${show(times.without)}`);
} finally {
  await probe.close();
}
