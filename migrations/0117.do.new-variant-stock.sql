-- New variants are inserted with their stock, and their warehouse rows then only move their
-- products' totals (warehouse_stock_sync, 0075's restated whole; only the INSERT branch changes).
--
-- Why: a with-variants chunk inserted its variants with stock 0, then their warehouse rows, whose
-- trigger added each row's stock to its variant: an UPDATE of every variant just inserted, whose
-- page had no room left for a second version (fillfactor 85 leaves room for a few), so each went
-- to another page with a new entry in each of product_variants' indexes. bench/probe-variant-import.ts
-- (20,000 parents of 3 variants on one warehouse, PostgreSQL 15, pg_stat_statements): the trigger's
-- statement took 1.05 s of the worker backend's ~5.3 s, ~16 ms a chunk of 750 variants, and left
-- 60,000 dead variant versions behind. The writer (variant-product-batches.ts) now inserts a new
-- variant with the sum of its warehouse rows as its stock and says so for their INSERT with
-- omni.variant_stock_written (transaction-local, consumed here, as 0070's omni.stock_counted); a
-- variant that existed (an update's upsert) keeps its stock, and its rows go through the usual path.
create or replace function warehouse_stock_sync() returns trigger language plpgsql
set plan_cache_mode = force_generic_plan set enable_hashjoin = off set enable_mergejoin = off as $$
begin
  if tg_op = 'UPDATE' then
    with per_key as (
      select c.store_id, c.product_id, c.variant_id, sum(c.stock)::int as delta
      from (select n.store_id, n.product_id, n.variant_id, n.stock from new_rows n
            union all select o.store_id, o.product_id, o.variant_id, -o.stock from old_rows o) c
      group by 1, 2, 3 having sum(c.stock) <> 0
    ), variants as (
      update product_variants pv set stock = pv.stock + k.delta, updated_at = now()
      from per_key k where k.variant_id is not null and pv.store_id = k.store_id and pv.id = k.variant_id
      returning pv.store_id, pv.product_id, pv.is_active, k.delta
    ), d as (
      select x.store_id, x.product_id, sum(x.delta)::int as delta
      from (select k.store_id, k.product_id, k.delta from per_key k where k.variant_id is null
            union all select v.store_id, v.product_id, v.delta from variants v where v.is_active) x
      group by 1, 2 having sum(x.delta) <> 0
    )
    update product_stock p set stock = p.stock + d.delta
    from d where p.store_id = d.store_id and p.product_id = d.product_id;
  elsif tg_op = 'DELETE' then
    perform lock_stock_products(array(select store_id from old_rows), array(select product_id from old_rows));
    perform recount_stock(array(select store_id from old_rows), array(select product_id from old_rows), array(select variant_id from old_rows));
  else
    -- A new product's rows, already counted (0070).
    if coalesce(current_setting('omni.stock_counted', true), '') = 'on' then
      perform set_config('omni.stock_counted', '', true);
      return null;
    end if;
    -- New variants' rows: each variant was inserted with their sum as its stock; only the
    -- products' totals move (a new variant is active). Consumed first, even with no rows.
    if coalesce(current_setting('omni.variant_stock_written', true), '') = 'on' then
      perform set_config('omni.variant_stock_written', '', true);
      if not exists (select 1 from new_rows) then return null; end if;
      perform lock_products_for_stock(array(select store_id from new_rows), array(select product_id from new_rows));
      with d as (
        select n.store_id, n.product_id, sum(n.stock)::int as delta
        from new_rows n
        group by 1, 2 having sum(n.stock) <> 0
      )
      update product_stock p set stock = p.stock + d.delta
      from d where p.store_id = d.store_id and p.product_id = d.product_id;
      return null;
    end if;
    if not exists (select 1 from new_rows) then return null; end if;
    perform lock_products_for_stock(array(select store_id from new_rows), array(select product_id from new_rows));
    -- The UPDATE branch's statement with new_rows alone (an INSERT trigger has no old table).
    with per_key as (
      select n.store_id, n.product_id, n.variant_id, sum(n.stock)::int as delta
      from new_rows n
      group by 1, 2, 3 having sum(n.stock) <> 0
    ), variants as (
      update product_variants pv set stock = pv.stock + k.delta, updated_at = now()
      from per_key k where k.variant_id is not null and pv.store_id = k.store_id and pv.id = k.variant_id
      returning pv.store_id, pv.product_id, pv.is_active, k.delta
    ), d as (
      select x.store_id, x.product_id, sum(x.delta)::int as delta
      from (select k.store_id, k.product_id, k.delta from per_key k where k.variant_id is null
            union all select v.store_id, v.product_id, v.delta from variants v where v.is_active) x
      group by 1, 2 having sum(x.delta) <> 0
    )
    update product_stock p set stock = p.stock + d.delta
    from d where p.store_id = d.store_id and p.product_id = d.product_id;
  end if;
  return null;
end $$;
