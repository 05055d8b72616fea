-- Four of the database's functions, whatever the statistics say of the store (as 0108 did for
-- evaluate_quality): write_stock_rows, stock_dead_rows, recount_stock and
-- reevaluate_duplicate_sku_holders, restated whole; each changed statement says how below.
--
-- Why: in a marketplace the statistics put every store at a few rows (the table's rows over the
-- stores), and these functions' generic plans (force_generic_plan) then read a big store's
-- products or variants by the store alone: once per call, or once per key or per row.
--
-- Measured on PostgreSQL 15, 20,000 small stores (4 products, 2 variants, 5 warehouse rows each,
-- analysed) and, created after, a store of 10,000 products (1,000 with 3 variants, 2 warehouses,
-- 24,000 warehouse rows) and one of 10,000 products without warehouses; index entries read (the
-- statement's and its triggers'), then medians of 11 alternating runs in ms, before -> after:
--   a stock chunk, 1,000 rows (800 product rows, 200 variant rows): products 800,001 -> 1,
--     209.0 -> 63.3 ms (statistics of 20 stores: 1 -> 1, 58.6 -> 51.5 ms); a chunk that inserts
--     rows of a new warehouse: products 900,001 -> 1;
--   a stock chunk of the store without warehouses, 1,000 rows: products 10,000 -> 1,000 (the
--     probes the plan makes on statistics of 20 stores: 1,000 -> 1,000), 20.0 -> 30.8 ms (27.0 ->
--     24.4 ms on those statistics): reading the store in one pass was cheaper at 10,000 products,
--     but it grows with the store, the probes with the chunk;
--   100 products' SKUs changed: products 1,130,000 and product_variants 546,400 -> 100 and 0,
--     511.6 -> 12.0 ms (statistics of 20 stores: 100 -> 100, 12.3 -> 12.2 ms); 60 variants' SKUs
--     and external ids changed: 678,000 and 325,980 -> 0 and 112;
--   30 variants deactivated, then 20 deleted: product_variants 977,760 and 440,029 (and products
--     11,300) -> 270 and 197, 103.3 -> 12.0 ms together (statistics of 20 stores: 11.1 -> 9.3 ms);
--   100 products deleted (10 with variants): products 124,300 and product_variants 59,848 -> 100
--     and 133.
-- test/integration/thin-statistics-functions.test.ts: 2,000 small stores, stores of 3,000
-- products; before -> after, PostgreSQL 15: 100,001 -> 1, 3,000 -> 100, 493,000 -> 100,
-- 184,849 -> 165 (PostgreSQL 18: the same but the last, 1,973 -> 164).
--
-- Not covered: statistics that put a store at ONE row or fewer (n_distinct of store_id near -1,
-- as a sample may estimate on a big table of many tiny stores). Then a lookup of one key by the
-- store and the key costs what a read of the store by the store alone costs, and the plan may
-- take the latter: the lateral LIMIT 1 lookups here and in earlier migrations (0090's key
-- checks, lock_products_for_stock, warehouse_stock_check_references) read the store once per key.

create or replace function write_stock_rows(p_store_id uuid, p_accepted_seq bigint,
  e_row int[], e_product uuid[], e_variant uuid[], e_warehouse uuid[], e_stock int[])
returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
declare
  v_taken uuid;
begin
  update product_stock p set stock = u.stock, stock_seq = u.seq
  from (select distinct on (a.p) a.p, a.s as stock, p_accepted_seq * 10000 + a.r as seq
        from unnest(e_row, e_product, e_warehouse, e_stock) as a (r, p, w, s)
        where a.w is null and a.s is not null order by a.p, a.r desc) u
  where p.store_id = p_store_id and p.product_id = u.p and p.stock_seq < u.seq;
  insert into warehouse_stock (store_id, product_id, variant_id, warehouse_id, stock, stock_seq)
  select distinct on (a.p, a.v, a.w) p_store_id, a.p, a.v, a.w, a.s, p_accepted_seq * 10000 + a.r
  from unnest(e_row, e_product, e_variant, e_warehouse, e_stock) as a (r, p, v, w, s)
  where a.w is not null and a.s is not null
  order by a.p, a.v, a.w, a.r desc
  on conflict (store_id, product_id, variant_id, warehouse_id)
  do update set stock = excluded.stock, stock_seq = excluded.stock_seq, updated_at = now()
  where warehouse_stock.stock_seq < excluded.stock_seq;

  -- Checked after the writes (0089). A probe of products_with_variants_idx per product-level
  -- entry, in a lateral subquery: as an EXISTS, the generic plan read the store's products with
  -- variants once per entry (see the top of this file).
  if exists (select 1 from products x where x.store_id = p_store_id and x.has_variants) then
    select a.p into v_taken
    from unnest(e_product, e_variant) as a (p, v)
    cross join lateral (select 1 from products x where x.store_id = p_store_id and x.id = a.p and x.has_variants limit 1) x
    where a.v is null
    limit 1;
    if v_taken is not null then
      raise check_violation using message = format('product %s has variants: its stock is set on its variants', v_taken),
        constraint = 'stock_of_product_with_variants', table = 'warehouse_stock';
    end if;
  end if;
end $$;

-- The rows of a chunk whose product (or variant) no longer exists, each with the code of the
-- identifier it was named by (p_sku_rows null: not known, the code of its target as in 0082).
-- Each target looked up on its own, in a lateral subquery: as NOT EXISTS, the generic plan read
-- the store's products into a hash (every chunk of a store without warehouses runs this).
create or replace function stock_dead_rows(p_store_id uuid, e_row int[], e_product uuid[], e_variant uuid[],
  p_sku_rows int[], p_external_id_rows int[], out rows int[], out codes text[])
language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  select coalesce(array_agg(d.r order by d.r), '{}'), coalesce(array_agg(case
      when p_sku_rows is null then case when d.variant then 'INV_001' else 'INV_002' end
      when d.r = any(p_sku_rows) then 'INV_001'
      when d.r = any(p_external_id_rows) then 'INV_003'
      else 'INV_002' end order by d.r), '{}')
  into rows, codes
  from (select a.r, bool_or(a.v is not null) as variant
        from unnest(e_row, e_product, e_variant) as a (r, p, v)
        left join lateral (select true as ok from products x where x.store_id = p_store_id and x.id = a.p limit 1) xp on true
        left join lateral (select true as ok from product_variants x
          where a.v is not null and x.store_id = p_store_id and x.id = a.v limit 1) xv on true
        where xp.ok is null or (a.v is not null and xv.ok is null)
        group by a.r) d;
end $$;

-- 0075's. A product's total joins each warehouse row's variant by its key, in a lateral
-- subquery: as a join (hash and merge joins off), the generic plan read the store's variants
-- once per warehouse row of the product.
create or replace function recount_stock(p_store_ids uuid[], p_product_ids uuid[], p_variant_ids uuid[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if exists (select 1 from unnest(p_variant_ids) as v (id) where v.id is not null) then
    with keys as (
      select distinct s as store_id, v as variant_id from unnest(p_store_ids, p_variant_ids) as k (s, v) where v is not null
    ), totals as (
      select v.store_id, v.id, v.stock,
        (select coalesce(sum(ws.stock), 0)::int from warehouse_stock ws
          where ws.store_id = v.store_id and ws.product_id = v.product_id and ws.variant_id = v.id) as total
      from keys k
      cross join lateral (select store_id, id, product_id, stock from product_variants pv
        where pv.store_id = k.store_id and pv.id = k.variant_id limit 1) v
    )
    update product_variants v set stock = t.total, updated_at = now()
    from totals t
    where t.stock <> t.total and v.store_id = t.store_id and v.id = t.id;
  end if;

  with keys as (
    select distinct s as store_id, p as product_id from unnest(p_store_ids, p_product_ids) as k (s, p)
  ), totals as (
    select k.store_id, k.product_id, p.stock, a.total, a.rows
    from keys k
    cross join lateral (select stock from product_stock x where x.store_id = k.store_id and x.product_id = k.product_id limit 1) p
    cross join lateral (
      -- A variant row's variant probed by its key, only for variant rows (the OR stops at a
      -- simple product's row): a lateral join ran its subquery for every row, ~2 ms a stock chunk.
      select coalesce(sum(ws.stock) filter (where ws.variant_id is null or (select pv.is_active from product_variants pv
          where pv.store_id = ws.store_id and pv.id = ws.variant_id limit 1)), 0)::int as total, count(*) as rows
      from warehouse_stock ws
      where ws.store_id = k.store_id and ws.product_id = k.product_id) a
  )
  update product_stock p set stock = t.total
  from totals t
  where t.stock <> t.total and p.store_id = t.store_id and p.product_id = t.product_id
    -- a product with no warehouse rows keeps its own stock (store without warehouses)
    and (t.rows > 0 or exists (select 1 from warehouses w where w.store_id = p.store_id));
end $$;

-- The products holding one of these SKUs (lower-case) themselves or through a variant, that have
-- an open DUPLICATE_SKU issue, evaluated again (0088's triggers call it when a SKU changes or goes:
-- once a row of a statement changing SKUs). Each SKU's holders looked up on their own (offset 0
-- keeps the lateral subquery whole; without it, it was pulled up into a join that read the
-- store's products and variants), and each holder's open issue likewise (as EXISTS, a semi join
-- that could read the store's open issues).
create or replace function reevaluate_duplicate_sku_holders(p_store_id uuid, p_skus text[]) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
declare
  v_ids uuid[];
begin
  select array_agg(distinct h.id) into v_ids
  from (
    select x.id from unnest(p_skus) as k (sku)
    cross join lateral (select x.id from products x where x.store_id = p_store_id and lower(x.sku) = k.sku offset 0) as x
    union all
    select v.product_id from unnest(p_skus) as k (sku)
    cross join lateral (select v.product_id from product_variants v where v.store_id = p_store_id and lower(v.sku) = k.sku offset 0) as v
  ) as h
  cross join lateral (select 1 from validation_issues vi
    where vi.store_id = p_store_id and vi.product_id = h.id and vi.code = 'DUPLICATE_SKU' and not vi.resolved limit 1) as open;
  if v_ids is not null then
    perform evaluate_quality(p_store_id, v_ids);
  end if;
end $$;
